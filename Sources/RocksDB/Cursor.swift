import CRocksDB

/// An ordered scan over one column family, bounded to `[lowerBound, upperBound)`.
///
/// Bounds are given to RocksDB itself (`iterate_lower_bound`/`iterate_upper_bound`) so
/// it stops reading at the bound instead of the caller filtering keys after the fact.
/// Not `Sendable`: an iterator belongs to the thread that scans with it.
public final class Cursor {
    private let iterator: OpaquePointer
    private let readOptions: OpaquePointer
    // The bound buffers must outlive the iterator: RocksDB keeps pointers to them.
    private let lower: UnsafeMutableRawBufferPointer?
    private let upper: UnsafeMutableRawBufferPointer?
    private let database: Database
    private let snapshot: Snapshot?

    /// Opens a cursor positioned at the first key at or after `lowerBound`.
    ///
    /// The blocks a scan reads stay out of the block cache, so that one large scan
    /// does not evict what point lookups keep hot, unless `fillCache` asks for them to
    /// go in (loading a store's cache on purpose).
    public init(
        _ database: Database, family: ColumnFamily,
        from lowerBound: [UInt8]? = nil, to upperBound: [UInt8]? = nil, snapshot: Snapshot? = nil,
        fillCache: Bool = false
    ) throws {
        try database.retainHandles()
        // No perf counters on this thread, as in `Database.enter()`.
        rocksdb_set_perf_level(Int32(rocksdb_disable))
        self.database = database
        self.snapshot = snapshot
        readOptions = rocksdb_readoptions_create()
        rocksdb_readoptions_set_fill_cache(readOptions, fillCache ? 1 : 0)
        if let snapshot { rocksdb_readoptions_set_snapshot(readOptions, snapshot.handle) }
        lower = lowerBound.map(Cursor.copy)
        upper = upperBound.map(Cursor.copy)
        if let lower {
            rocksdb_readoptions_set_iterate_lower_bound(
                readOptions, lower.baseAddress?.assumingMemoryBound(to: CChar.self), lower.count)
        }
        if let upper {
            rocksdb_readoptions_set_iterate_upper_bound(
                readOptions, upper.baseAddress?.assumingMemoryBound(to: CChar.self), upper.count)
        }
        iterator = rocksdb_create_iterator_cf(database.handle, readOptions, family.handle)
        if let lower {
            rocksdb_iter_seek(iterator, lower.baseAddress?.assumingMemoryBound(to: CChar.self), lower.count)
        } else {
            rocksdb_iter_seek_to_first(iterator)
        }
    }

    deinit {
        rocksdb_iter_destroy(iterator)
        rocksdb_readoptions_destroy(readOptions)
        lower?.deallocate()
        upper?.deallocate()
        database.releaseHandles()
    }

    private static func copy(_ bytes: [UInt8]) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        buffer.copyBytes(from: bytes)
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
    }

    /// Whether the cursor points at an entry.
    public var isValid: Bool { rocksdb_iter_valid(iterator) != 0 }

    /// Moves to the next entry.
    public func next() { rocksdb_iter_next(iterator) }

    /// Repositions at the first key at or after `key`.
    public func seek(_ key: [UInt8]) {
        key.withUnsafeBytes { rocksdb_iter_seek(iterator, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
    }

    /// The current key and value, valid only inside `body` and only while `isValid`.
    public func withEntry<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var keyLength = 0
        var valueLength = 0
        let key = rocksdb_iter_key(iterator, &keyLength)
        let value = rocksdb_iter_value(iterator, &valueLength)
        return try body(UnsafeRawBufferPointer(start: key, count: keyLength), UnsafeRawBufferPointer(start: value, count: valueLength))
    }

    /// The current key, copied.
    public var key: [UInt8] { withEntry { key, _ in Array(key) } }

    /// The current value, copied.
    public var value: [UInt8] { withEntry { _, value in Array(value) } }

    /// Throws if the scan stopped because of an error rather than the end of the range.
    public func checkStatus() throws {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        try DatabaseError.check(error, .iteration, "scan failed")
    }
}
