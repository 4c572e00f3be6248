import CRocksDB

/// A consistent, read-only view of the database at one moment.
///
/// Jobs validate millions of codes against one snapshot so that the whole check sees a
/// single state. RocksDB snapshots are immutable and thread-safe, hence `@unchecked Sendable`.
public final class Snapshot: @unchecked Sendable {
    let handle: OpaquePointer
    private let database: Database

    /// Takes a snapshot of `database`; it is released when this object is.
    public init(of database: Database) throws {
        try database.retainHandles()
        self.database = database
        handle = rocksdb_create_snapshot(database.handle)
    }

    deinit {
        rocksdb_release_snapshot(database.handle, handle)
        database.releaseHandles()
    }
}
