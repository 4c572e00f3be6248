/// Keys of the `meta` family: small engine state.
///
/// | key | value |
/// |---|---|
/// | `applied` | the registry's applied sequence: UInt64, big-endian (see ``Committer``) |
/// | `cluster` | the identity of the cluster whose log this store replicates (local: written by each replica itself, not through the log) |
/// | `seq:` + name | the last id handed out of sequence *name* (`order`, `document`, `package`, `participant`, `token`, `violation`): UInt64, little-endian |
enum MetaKeys {
    static let applied = Array("applied".utf8)
    static let cluster = Array("cluster".utf8)

    static func sequence(_ name: String) -> [UInt8] { Array("seq:\(name)".utf8) }

    static func encodeSequence(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func decodeSequence(_ bytes: some Collection<UInt8>) -> UInt64? {
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
        try nextID(named: sequence.rawValue, in: &changeset)
    }

    /// The next value of the sequence called `name`, committed on its own: for tools
    /// and tests; rules take ids with ``nextID(_:in:)`` in their own changeset.
    public func nextID(_ name: String) throws(MarkingError) -> UInt64 {
        try committer.commit { changeset throws(MarkingError) in try nextID(named: name, in: &changeset) }.value
    }

    private func nextID(named name: String, in changeset: inout Changeset) throws(MarkingError) -> UInt64 {
        let key = MetaKeys.sequence(name)
        let next = try sequences.withLock { cache throws(MarkingError) -> UInt64 in
            let current: UInt64
            if let cached = cache[name] {
                current = cached
            } else {
                current = try read { try database.get(key, in: families[.meta]) }.map { bytes in
                    bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                } ?? 0
            }
            cache[name] = current + 1
            return current + 1
        }
        changeset.put(key, withUnsafeBytes(of: next.littleEndian) { Array($0) }, in: .meta)
        return next
    }

    /// Moves sequence `name` so that the next id is `next`: for tests that need ids of
    /// a given shape (255, 65,535, ...), not for rules.
    func setSequence(_ name: String, next: UInt64) throws(MarkingError) {
        _ = try committer.commit { changeset in
            changeset.put(MetaKeys.sequence(name), withUnsafeBytes(of: (next - 1).littleEndian) { Array($0) }, in: .meta)
        }
        sequences.withLock { $0[name] = next - 1 }
    }

    /// Forgets the cached sequences, after changesets from elsewhere were applied.
    public func reloadSequences() {
        sequences.withLock { $0 = [:] }
    }

    /// The cluster this store is a replica of, `nil` for a single-node store.
    public func clusterIdentity() throws(MarkingError) -> String? {
        try read { try database.get(MetaKeys.cluster, in: families[.meta]) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Records that this store is a replica of cluster `identity`, so that it is never
    /// opened as a replica of another. A local fact of this copy, written directly.
    public func recordClusterIdentity(_ identity: String) throws(MarkingError) {
        try read { try database.put(MetaKeys.cluster, Array(identity.utf8), in: families[.meta], sync: true) }
    }

    /// The registry's applied sequence: the number of changesets it holds.
    public var appliedSequence: UInt64 { committer.appliedSequence }
}
