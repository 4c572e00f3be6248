import RocksDB

/// Keys of the `meta` family: small engine state.
///
/// | key | value |
/// |---|---|
/// | `applied` | the registry's applied sequence: UInt64, big-endian (see ``Committer``) |
/// | `cluster` | the identity of the cluster whose log this store replicates (local: written by each replica itself, not through the log) |
/// | `keys` | the ``KeyFingerprint`` of the key file this copy was opened with (local, written directly when the store opens) |
/// | `cluster-keys` | the ``KeyFingerprint`` every replica of the cluster must extend (written through the log by ``Changeset/putClusterKeys(_:)``) |
/// | `seq:` + name | the last id handed out of sequence *name* (`order`, `document`, `package`, `participant`, `token`, `violation`): UInt64, little-endian |
enum MetaKeys {
    static let applied = Array("applied".utf8)
    static let cluster = Array("cluster".utf8)
    static let keys = Array("keys".utf8)
    static let clusterKeys = Array("cluster-keys".utf8)

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

extension MarkingStore {
    /// The key ring of the store opened on `database`: the one in `path`, checked
    /// against the fingerprint the store keeps, or a new one for a new store. Runs
    /// while the store's lock is held, so two processes never both create keys.
    ///
    /// - `existing` is the ring read from `path` before the store was opened (`nil`:
    ///   there is no file there).
    /// - A store that holds a registry or a fingerprint and has no key file is refused
    ///   (`keys.missing`): fresh keys would make every earlier code unknown, and short
    ///   serial templates could issue serials again.
    /// - A key file that does not extend the stored fingerprint is refused
    ///   (`keys.mismatch`); one that extends it (a rotation) is recorded.
    /// - A store from before fingerprints were kept records the file's fingerprint.
    static func openKeyRing(
        _ existing: KeyRing?, path: String, dataFolder: String, database: Database, families: StoreFamilies
    ) throws(MarkingError) -> KeyRing {
        let stored: KeyFingerprint?
        let applied: UInt64
        do {
            stored = try database.get(MetaKeys.keys, in: families[.meta]).map { bytes throws(MarkingError) in
                guard let print = KeyFingerprint(encoded: bytes) else {
                    throw MarkingError(.store, "the key fingerprint stored in \(dataFolder)/db is corrupt")
                }
                return print
            }
            applied = try database.get(MetaKeys.applied, in: families[.meta]).flatMap(MetaKeys.decodeSequence) ?? 0
        } catch let error as MarkingError {
            throw error
        } catch {
            throw MarkingError(.store, "\(error)")
        }
        let ring: KeyRing
        if let existing {
            let print = KeyFingerprint(existing)
            if let stored, !print.extends(stored) {
                throw MarkingError(
                    .keyMismatch,
                    "key file \(path) does not match the store in \(dataFolder)/db (\(print.difference(from: stored))): give the key file this store was created with (--keys)")
            }
            ring = existing
            guard print != stored else { return ring }
        } else {
            guard stored == nil, applied == 0 else {
                throw MarkingError(
                    .keyFileMissing,
                    "key file \(path) is missing, but the store in \(dataFolder)/db was created with one (\(applied) changesets): give its key file (--keys); new keys would make every code unknown")
            }
            do {
                ring = try KeyFile.create(at: path)
            } catch where KeyFile.exists(at: path) {
                // Another new store sharing this key file (replicas started together)
                // created it meanwhile, whole: take that ring.
                ring = try KeyFile.load(at: path)
            }
        }
        do {
            try database.put(MetaKeys.keys, KeyFingerprint(ring).encoded, in: families[.meta], sync: true)
        } catch {
            throw MarkingError(.store, "cannot record the key fingerprint in \(dataFolder)/db: \(error)")
        }
        return ring
    }

    /// The fingerprint of the key ring this store was opened with.
    public var keyFingerprint: KeyFingerprint { KeyFingerprint(keys) }

    /// The key ring every replica of the cluster must extend, as the log recorded it;
    /// `nil` before any replica recorded one (and on a single node).
    public func clusterKeys() throws(MarkingError) -> KeyFingerprint? {
        try read { try database.get(MetaKeys.clusterKeys, in: families[.meta]) }.flatMap(KeyFingerprint.init(encoded:))
    }
}

extension Changeset {
    /// Records `fingerprint` as the key ring of the cluster: written through the log,
    /// so that every replica, and every replica that joins later, knows it.
    public mutating func putClusterKeys(_ fingerprint: KeyFingerprint) {
        put(MetaKeys.clusterKeys, fingerprint.encoded, in: .meta)
    }
}
