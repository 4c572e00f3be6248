import CRocksDB

/// How a column family is tuned: the two access patterns the engine has.
public enum ColumnFamilyProfile: Sendable, Hashable {
    /// Hundreds of millions of small records, written in sorted batches and read by
    /// point lookups: large memtables, bloom filters, LZ4 on upper levels, ZSTD at the bottom.
    case bulk
    /// Small reference or bookkeeping data (counters, orders, jobs): defaults with LZ4.
    case small
}

/// The name and tuning of one column family, given when the database is opened.
public struct ColumnFamilyDescriptor: Sendable, Hashable {
    public var name: String
    public var profile: ColumnFamilyProfile
    /// When above 0, the family's memtables keep, per key prefix of this many bytes,
    /// where the last insert went, and start the next insert of that prefix there
    /// (RocksDB's `memtable_insert_with_hint_prefix_extractor`). Without it every key is
    /// placed by a skiplist search from the top: rewriting a million records that are
    /// already in a full memtable (a document right after the order that emitted them)
    /// costs a chain of cache misses per key. With it, keys that follow each other are
    /// placed next to the last one.
    ///
    /// RocksDB before 9.2 (Debian ships 7.8) keeps one hint table for a memtable's point
    /// keys and its range deletions and mixes them up (facebook/rocksdb#12558); with
    /// its assertions on, as Debian builds it, that aborts the process. A family with a
    /// hint therefore refuses range deletions (``WriteBatch/deleteRange(from:to:in:)``).
    public var insertHintPrefixLength: Int

    public init(name: String, profile: ColumnFamilyProfile = .small, insertHintPrefixLength: Int = 0) {
        self.name = name
        self.profile = profile
        self.insertHintPrefixLength = max(0, insertHintPrefixLength)
    }
}

/// A handle to an open column family.
///
/// The C handle is owned by the ``Database`` that produced it and lives exactly as long;
/// RocksDB documents column family handles as safe to use from any thread, hence
/// `@unchecked Sendable`.
public struct ColumnFamily: @unchecked Sendable, Hashable {
    public let name: String
    let handle: OpaquePointer
    /// Whether the family's memtables keep insert hints, which rules out range deletions.
    public let hasInsertHints: Bool

    init(name: String, handle: OpaquePointer, hasInsertHints: Bool = false) {
        self.name = name
        self.handle = handle
        self.hasInsertHints = hasInsertHints
    }

    public static func == (lhs: ColumnFamily, rhs: ColumnFamily) -> Bool { lhs.handle == rhs.handle }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle) }
}
