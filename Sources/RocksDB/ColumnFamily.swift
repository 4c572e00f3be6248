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

    public init(name: String, profile: ColumnFamilyProfile = .small) {
        self.name = name
        self.profile = profile
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

    init(name: String, handle: OpaquePointer) {
        self.name = name
        self.handle = handle
    }

    public static func == (lhs: ColumnFamily, rhs: ColumnFamily) -> Bool { lhs.handle == rhs.handle }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle) }
}
