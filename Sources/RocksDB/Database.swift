import CRocksDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open RocksDB database with its column families.
///
/// RocksDB documents `rocksdb_t` as safe for concurrent use by many threads: reads,
/// writes, iterators and snapshots all synchronise inside the library. The only state
/// this class adds is immutable after `init` (handles, option objects) plus an atomic
/// `closed` flag, so sharing one instance across queues and tasks is safe; hence
/// `@unchecked Sendable`. ``close()`` waits for the calls in flight (a pinned read's
/// body included) before it releases the handles; calls made after it throw
/// ``DatabaseError/Code/closed``.
public final class Database: @unchecked Sendable {
    let handle: OpaquePointer
    private let options: NativeOptions
    private let families: [String: ColumnFamily]
    private let readOptions: OpaquePointer
    /// Reads that may only be answered from memory (memtables and block cache).
    private let memoryReadOptions: OpaquePointer
    private let syncedWrite: OpaquePointer
    private let bufferedWrite: OpaquePointer
    private let closed = Atomic<Bool>(false)
    /// Calls using the C handles right now (``enter()`` to ``leave()``): ``close()``
    /// waits for them, so a read in flight never touches freed handles.
    private let inFlight = Atomic<Int>(0)
    /// Cursors and snapshots still alive, and whether the C handles are released. A
    /// cursor or snapshot that outlives ``close()`` keeps the handles until its own
    /// deinit, so closing never frees memory they still read.
    private let lifetime = Mutex<(live: Int, released: Bool)>((0, false))

    /// The folder the database lives in.
    public let path: String

    /// Opens (or creates) the database at `path` with exactly these column families
    /// (the `default` family is added when missing).
    public init(path: String, families descriptors: [ColumnFamilyDescriptor], options: DatabaseOptions = .init()) throws {
        var descriptors = descriptors
        if !descriptors.contains(where: { $0.name == "default" }) {
            descriptors.insert(ColumnFamilyDescriptor(name: "default"), at: 0)
        }
        let native = try NativeOptions(options, families: descriptors)
        var handles = [OpaquePointer?](repeating: nil, count: descriptors.count)
        var error: UnsafeMutablePointer<CChar>?
        let names = descriptors.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let namePointers = names.map { UnsafePointer($0) }
        let familyOptions = native.perFamily
        let db = rocksdb_open_column_families(
            native.database, path, Int32(descriptors.count),
            namePointers, familyOptions, &handles, &error)
        try DatabaseError.check(error, .open, "cannot open the store at \(path)")
        guard let db else {
            throw DatabaseError(code: .open, message: "cannot open the store at \(path)")
        }
        handle = db
        self.options = native
        self.path = path
        var families: [String: ColumnFamily] = [:]
        for (descriptor, cf) in zip(descriptors, handles) {
            families[descriptor.name] = ColumnFamily(
                name: descriptor.name, handle: cf!, hasInsertHints: descriptor.insertHintPrefixLength > 0)
        }
        self.families = families
        readOptions = rocksdb_readoptions_create()
        memoryReadOptions = rocksdb_readoptions_create()
        // 1 is kBlockCacheTier: a read that would need a file answers "incomplete".
        rocksdb_readoptions_set_read_tier(memoryReadOptions, 1)
        syncedWrite = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(syncedWrite, 1)
        bufferedWrite = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_memtable_insert_hint_per_batch(bufferedWrite, 1)
        rocksdb_writeoptions_set_memtable_insert_hint_per_batch(syncedWrite, 1)
    }

    deinit { close() }

    /// Closes the database: later calls throw ``DatabaseError/Code/closed``. The handles
    /// (and the lock on the folder) are released now, or, if cursors or snapshots are
    /// still alive, when the last of them goes. Data written with `sync: false` is in
    /// the WAL, which RocksDB replays at the next open.
    public func close() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else {
            return
        }
        // A call either saw `closed` and turned back, or counted itself in before this
        // load (both sequentially consistent): wait for those. They are point calls
        // (reads, writes, a flush), never waits on other threads.
        while inFlight.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
        let releaseNow = lifetime.withLock { state -> Bool in
            guard state.live == 0, !state.released else { return false }
            state.released = true
            return true
        }
        if releaseNow { release() }
    }

    /// Registers a cursor or snapshot that reads through the C handles.
    func retainHandles() throws {
        try lifetime.withLock { state throws(DatabaseError) in
            guard !closed.load(ordering: .acquiring) else {
                throw DatabaseError(code: .closed, message: "the store is closed")
            }
            state.live += 1
        }
    }

    /// Unregisters a cursor or snapshot; releases the handles if it was the last one
    /// after ``close()``.
    func releaseHandles() {
        let releaseNow = lifetime.withLock { state -> Bool in
            state.live -= 1
            guard state.live == 0, closed.load(ordering: .acquiring), !state.released else { return false }
            state.released = true
            return true
        }
        if releaseNow { release() }
    }

    private func release() {
        for family in families.values { rocksdb_column_family_handle_destroy(family.handle) }
        rocksdb_close(handle)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_readoptions_destroy(memoryReadOptions)
        rocksdb_writeoptions_destroy(syncedWrite)
        rocksdb_writeoptions_destroy(bufferedWrite)
    }

    /// The column family called `name`.
    public func family(_ name: String) throws -> ColumnFamily {
        guard let family = families[name] else {
            throw DatabaseError(code: .unknownColumnFamily, message: "no column family named \(name)")
        }
        return family
    }

    /// Checks the store is open, and turns off RocksDB's per-thread perf counters for
    /// the calling thread.
    ///
    /// RocksDB counts key comparisons by default (perf level "enable count"): a
    /// thread-local access inside every comparison, which perf showed at ~8% of a
    /// million-record batch's memtable insert. Nothing reads those counters here. The
    /// level is per thread, so every entry point sets it; it is one thread-local store.
    ///
    /// Counts the call in flight until ``leave()``, which must follow (`defer`).
    func enter() throws {
        inFlight.add(1, ordering: .sequentiallyConsistent)
        if closed.load(ordering: .sequentiallyConsistent) {
            leave()
            throw DatabaseError(code: .closed, message: "the store is closed")
        }
        rocksdb_set_perf_level(Int32(rocksdb_disable))
    }

    /// Ends a call begun with ``enter()``.
    func leave() {
        inFlight.subtract(1, ordering: .sequentiallyConsistent)
    }

    // MARK: Reads

    /// The value stored under `key`, or `nil` when there is none.
    public func get(_ key: [UInt8], in family: ColumnFamily, snapshot: Snapshot? = nil) throws -> [UInt8]? {
        try withValue(forKey: key, in: family, snapshot: snapshot) { $0.map { Array($0) } }
    }

    /// Calls `body` with the value stored under `key` without copying it out of the
    /// block cache (a pinned read), or with `nil` when the key is absent. The buffer is
    /// valid only inside `body`.
    public func withValue<R>(
        forKey key: [UInt8], in family: ColumnFamily, snapshot: Snapshot? = nil,
        _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        try enter()
        defer { leave() }
        var error: UnsafeMutablePointer<CChar>?
        let pinned = try withReadOptions(snapshot) { readOptions in
            key.withUnsafeBytes { key in
                rocksdb_get_pinned_cf(
                    handle, readOptions, family.handle,
                    key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count, &error)
            }
        }
        try DatabaseError.check(error, .read, "read from \(family.name) failed")
        guard let pinned else { return try body(nil) }
        defer { rocksdb_pinnableslice_destroy(pinned) }
        var length = 0
        // The slice stays valid until `rocksdb_pinnableslice_destroy` in the defer above.
        let value = rocksdb_pinnableslice_value(pinned, &length)
        return try body(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// Like ``withValue(forKey:in:snapshot:_:)``, but answered only from memory (the
    /// memtables and the block cache): returns `nil` without calling `body` when the
    /// answer would need a read from a file. A caller on a thread that must not block
    /// on disk (an event loop, Swift's cooperative pool) reads here first and sends only
    /// the misses to a thread that may block.
    public func withValueInMemory<R>(
        forKey key: [UInt8], in family: ColumnFamily, _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R? {
        try enter()
        defer { leave() }
        var error: UnsafeMutablePointer<CChar>?
        let pinned = key.withUnsafeBytes { key in
            rocksdb_get_pinned_cf(
                handle, memoryReadOptions, family.handle, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count, &error)
        }
        if let error {
            // RocksDB's Status::Incomplete: the value may exist but is not in memory.
            let incomplete = strncmp(error, "Result incomplete", 17) == 0
            if incomplete {
                rocksdb_free(error)
                return nil
            }
            try DatabaseError.check(error, .read, "read from \(family.name) failed")
        }
        guard let pinned else { return try body(nil) }
        defer { rocksdb_pinnableslice_destroy(pinned) }
        var length = 0
        let value = rocksdb_pinnableslice_value(pinned, &length)
        return try body(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// Reads many keys of one family in one call (RocksDB's batched MultiGet, which
    /// shares index and filter lookups between keys). `body` receives each key's index
    /// and value (or `nil`) in input order; the buffer is valid only inside `body`.
    /// Pass `sorted: true` when the keys are already in ascending byte order.
    public func multiGet(
        _ keys: KeyList, in family: ColumnFamily, sorted: Bool = false, snapshot: Snapshot? = nil,
        _ body: (Int, UnsafeRawBufferPointer?) throws -> Void
    ) throws {
        try enter()
        defer { leave() }
        let count = keys.count
        guard count > 0 else { return }
        var values = [OpaquePointer?](repeating: nil, count: count)
        var errors = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        var pointers = [UnsafePointer<CChar>?](repeating: nil, count: count)
        defer { for value in values where value != nil { rocksdb_pinnableslice_destroy(value) } }
        try withReadOptions(snapshot) { readOptions in
            keys.bytes.withUnsafeBufferPointer { bytes in
                // All keys live in the one `bytes` buffer, which is neither mutated nor
                // released before this closure returns, so the pointers into it stay
                // valid for the whole C call.
                let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
                for index in 0..<count { pointers[index] = base + keys.offsets[index] }
                rocksdb_batched_multi_get_cf(
                    handle, readOptions, family.handle, count, pointers, keys.lengths,
                    &values, &errors, sorted)
            }
        }
        var firstError: UnsafeMutablePointer<CChar>?
        for error in errors where error != nil {
            if firstError == nil { firstError = error } else { rocksdb_free(error) }
        }
        try DatabaseError.check(firstError, .read, "multi-get from \(family.name) failed")
        for index in 0..<count {
            guard let value = values[index] else {
                try body(index, nil)
                continue
            }
            var length = 0
            let bytes = rocksdb_pinnableslice_value(value, &length)
            try body(index, UnsafeRawBufferPointer(start: bytes, count: length))
        }
    }

    // MARK: Writes

    /// Applies `batch` atomically. With `sync: true` the WAL is fsynced before return,
    /// so the write survives a power loss; without it, it survives a process crash.
    public func write(_ batch: WriteBatch, sync: Bool) throws {
        try enter()
        defer { leave() }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_write(handle, sync ? syncedWrite : bufferedWrite, batch.handle, &error)
        try DatabaseError.check(error, .write, "write of \(batch.count) entries failed")
    }

    /// Stores one value.
    public func put(_ key: [UInt8], _ value: [UInt8], in family: ColumnFamily, sync: Bool) throws {
        // Checked before the batch is built: after `close()` the family handle is freed,
        // and adding to a batch dereferences it.
        try enter()
        defer { leave() }
        let batch = WriteBatch()
        batch.put(key, value, in: family)
        try write(batch, sync: sync)
    }

    /// Makes every write so far durable by fsyncing the WAL: the cheap way to make many
    /// unsynced batches durable at once before acknowledging them.
    public func syncWAL() throws {
        try enter()
        defer { leave() }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_flush_wal(handle, 1, &error)
        try DatabaseError.check(error, .maintenance, "WAL sync failed")
    }

    // MARK: Maintenance

    /// Writes the memtables of `family` to SST files and waits for it.
    public func flush(_ family: ColumnFamily) throws {
        try enter()
        defer { leave() }
        let flushOptions = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(flushOptions) }
        rocksdb_flushoptions_set_wait(flushOptions, 1)
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_flush_cf(handle, flushOptions, family.handle, &error)
        try DatabaseError.check(error, .maintenance, "flush of \(family.name) failed")
    }

    /// Compacts the whole key range of `family` down to the bottommost level.
    ///
    /// Files already at the bottom are rewritten too (`kForceOptimized`): RocksDB
    /// otherwise moves a file that overlaps nothing below it down whole, keeping the
    /// upper levels' LZ4 instead of the bottommost ZSTD, and sorted appends (emission)
    /// produce exactly such files, so a compacted store would not be at rest.
    public func compact(_ family: ColumnFamily) throws {
        try enter()
        defer { leave() }
        let options = rocksdb_compactoptions_create()
        defer { rocksdb_compactoptions_destroy(options) }
        rocksdb_compactoptions_set_bottommost_level_compaction(options, Self.bottommostForceOptimized)
        rocksdb_compact_range_cf_opt(handle, family.handle, options, nil, 0, nil, 0)
    }

    /// `BottommostLevelCompaction::kForceOptimized` (rocksdb/options.h; the C API takes
    /// the enum's raw value).
    private static let bottommostForceOptimized: UInt8 = 3

    /// Writes a consistent copy of the whole database (every column family) to
    /// `path`, which must not exist: SST files are hard-linked where the file system
    /// allows, so a checkpoint of a large store is quick and small. The copy opens as
    /// a database of its own.
    public func checkpoint(to path: String) throws {
        try enter()
        defer { leave() }
        var error: UnsafeMutablePointer<CChar>?
        let checkpoint = rocksdb_checkpoint_object_create(handle, &error)
        try DatabaseError.check(error, .maintenance, "cannot start a checkpoint")
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        // 0: always flush the memtables first, so the copy needs no WAL replay.
        rocksdb_checkpoint_create(checkpoint, path, 0, &error)
        try DatabaseError.check(error, .maintenance, "checkpoint to \(path) failed")
    }

    /// A RocksDB property (e.g. `rocksdb.total-sst-files-size`) as a number, if known.
    public func integerProperty(_ name: String, of family: ColumnFamily) -> UInt64? {
        guard (try? enter()) != nil else { return nil }
        defer { leave() }
        var value: UInt64 = 0
        return rocksdb_property_int_cf(handle, family.handle, name, &value) == 0 ? value : nil
    }

    func withReadOptions<R>(_ snapshot: Snapshot?, _ body: (OpaquePointer) throws -> R) throws -> R {
        guard let snapshot else { return try body(readOptions) }
        let options = rocksdb_readoptions_create()!
        defer { rocksdb_readoptions_destroy(options) }
        rocksdb_readoptions_set_snapshot(options, snapshot.handle)
        return try body(options)
    }
}

extension DatabaseError {
    /// Converts a RocksDB error string into a typed error and frees it.
    static func check(_ error: UnsafeMutablePointer<CChar>?, _ code: Code, _ context: String) throws {
        guard let error else { return }
        let detail = String(cString: error)
        rocksdb_free(error)
        throw DatabaseError(code: code, message: "\(context): \(detail)")
    }
}
