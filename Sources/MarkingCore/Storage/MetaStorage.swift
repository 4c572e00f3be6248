/// Keys of the `meta` family: small engine state.
///
/// | key | value |
/// |---|---|
/// | `applied` | the registry's applied sequence: UInt64, big-endian (see ``Committer``) |
/// | `seq:` + name | the last id handed out of sequence *name* (`order`, `document`, `package`, `participant`, `token`, `violation`): UInt64, little-endian |
enum MetaKeys {
    static let applied = Array("applied".utf8)

    static func sequence(_ name: String) -> [UInt8] { Array("seq:\(name)".utf8) }

    static func encodeSequence(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func decodeSequence(_ bytes: [UInt8]) -> UInt64? {
        bytes.count == 8 ? bytes.reduce(0) { $0 << 8 | UInt64($1) } : nil
    }
}

/// The named id sequences of the registry.
public enum IDSequence: String, Sendable, CaseIterable {
    case order, document, package, participant, token, violation
}

extension MarkingStore {
    /// The next id of `sequence` (orders, documents, ...), written in `changeset`, so
    /// that the id is stored with what it names and a replica that applies the
    /// changeset continues the sequence where the writer left it. Call it from a rule
    /// under ``Committer/commit(_:_:)``: the commit order keeps two rules from taking
    /// the same id. An id whose changeset is never written is skipped, not reused
    /// within this process; after a restart it may be handed out again, since
    /// nothing was stored under it.
    public func nextID(_ sequence: IDSequence, in changeset: inout Changeset) throws(MarkingError) -> UInt64 {
        let key = MetaKeys.sequence(sequence.rawValue)
        let next = try sequences.withLock { cache throws(MarkingError) -> UInt64 in
            let current: UInt64
            if let cached = cache[sequence.rawValue] {
                current = cached
            } else {
                current = try read { try database.get(key, in: families[.meta]) }.map { bytes in
                    bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                } ?? 0
            }
            cache[sequence.rawValue] = current + 1
            return current + 1
        }
        changeset.put(key, withUnsafeBytes(of: next.littleEndian) { Array($0) }, in: .meta)
        return next
    }

    /// Forgets the cached sequences, after changesets from elsewhere were applied.
    public func reloadSequences() {
        sequences.withLock { $0 = [:] }
    }

    /// The registry's applied sequence: the number of changesets it holds.
    public var appliedSequence: UInt64 { committer.appliedSequence }
}
