import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Database-wide tuning. The defaults suit a 2-core machine with plenty of memory.
public struct DatabaseOptions: Sendable {
    /// Create the folder and the database if it does not exist yet.
    public var createIfMissing: Bool = true
    /// Background flush and compaction threads.
    public var backgroundJobs: Int32 = 2
    /// Memtable size of ``ColumnFamilyProfile/bulk`` families. Large memtables turn
    /// sorted appends into few, large L0 files.
    public var bulkWriteBufferSize: Int = 256 << 20
    /// Shared LRU block cache for all families: a third of the machine's memory (RocksDB's
    /// usual advice), the rest left to the OS page cache, which holds the compressed
    /// files, and to the process. Cached blocks are uncompressed, about 60 bytes per code
    /// (6 GB at 100M codes): a check costs about the same at any size while they fit,
    /// and each miss adds a read and a decompression. With the former 1 GiB, a sixth of
    /// 100M codes fit and the p99 of a check was 2.4 to 2.6 times that at 1M codes
    /// (`marking-bench lookup`). The cache takes memory only as it fills.
    public var blockCacheSize: Int = defaultBlockCacheSize
    /// Bloom filter bits per key in bulk families (0 disables the filter).
    public var bloomBitsPerKey: Double = 10

    public init() {}
}

/// A third of physical memory, at least 1 GiB.
private let defaultBlockCacheSize: Int = {
    let memory = sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
    return max(1 << 30, memory / 3)
}()

/// Owns the C option objects built from ``DatabaseOptions`` until the database closes.
final class NativeOptions {
    let database: OpaquePointer
    let perFamily: [OpaquePointer?]
    private let cache: OpaquePointer
    private var tableOptions: [OpaquePointer] = []

    init(_ options: DatabaseOptions, families: [ColumnFamilyDescriptor]) throws {
        cache = rocksdb_cache_create_lru(options.blockCacheSize)
        database = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(database, options.createIfMissing ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(database, 1)
        rocksdb_options_set_max_background_jobs(database, options.backgroundJobs)
        rocksdb_options_set_bytes_per_sync(database, 1 << 20)
        rocksdb_options_set_enable_pipelined_write(database, 1)
        rocksdb_options_set_max_open_files(database, -1)
        rocksdb_options_set_keep_log_file_num(database, 4)
        var perFamily: [OpaquePointer?] = []
        for family in families {
            let cfOptions = rocksdb_options_create_copy(database)!
            let table = rocksdb_block_based_options_create()!
            rocksdb_block_based_options_set_block_cache(table, cache)
            rocksdb_block_based_options_set_format_version(table, 5)
            switch family.profile {
            case .bulk:
                rocksdb_options_set_write_buffer_size(cfOptions, options.bulkWriteBufferSize)
                rocksdb_options_set_max_write_buffer_number(cfOptions, 4)
                rocksdb_options_set_min_write_buffer_number_to_merge(cfOptions, 1)
                rocksdb_options_set_level0_file_num_compaction_trigger(cfOptions, 4)
                rocksdb_options_set_level0_slowdown_writes_trigger(cfOptions, 40)
                rocksdb_options_set_level0_stop_writes_trigger(cfOptions, 64)
                rocksdb_options_set_target_file_size_base(cfOptions, 128 << 20)
                rocksdb_options_set_max_bytes_for_level_base(cfOptions, 1 << 30)
                rocksdb_options_set_level_compaction_dynamic_level_bytes(cfOptions, 1)
                // A bloom filter over the memtable: point reads of keys that are not in
                // it (most of them, in a large store) skip the skiplist search.
                rocksdb_options_set_memtable_prefix_bloom_size_ratio(cfOptions, 0.05)
                rocksdb_options_set_memtable_whole_key_filtering(cfOptions, 1)
                rocksdb_options_set_compression(cfOptions, Int32(rocksdb_lz4_compression))
                rocksdb_options_set_bottommost_compression(cfOptions, Int32(rocksdb_zstd_compression))
                rocksdb_block_based_options_set_block_size(table, 16 << 10)
                rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1)
                rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(table, 1)
                // Index and filter in 4 KiB partitions under a small top-level index
                // that stays pinned. Whole, a compacted file's filter and index are
                // tens of MiB (a 200 MiB file of 60M codes has a 75 MiB filter): larger
                // than a shard of the block cache (16 MiB of 1 GiB), so they never
                // stayed cached and every lookup read them again (at 100M codes, the
                // process read 1 GB/s and did not check 4,096 codes in a minute). Partitions
                // are cached like data blocks, with high priority, and a lookup reads
                // only the ones it needs.
                rocksdb_block_based_options_set_index_type(
                    table, Int32(rocksdb_block_based_table_index_type_two_level_index_search))
                rocksdb_block_based_options_set_partition_filters(table, 1)
                rocksdb_block_based_options_set_metadata_block_size(table, 4 << 10)
                rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(table, 1)
                rocksdb_block_based_options_set_pin_top_level_index_and_filter(table, 1)
                if options.bloomBitsPerKey > 0 {
                    rocksdb_block_based_options_set_filter_policy(
                        table, rocksdb_filterpolicy_create_bloom_full(options.bloomBitsPerKey))
                }
            case .small:
                rocksdb_options_set_write_buffer_size(cfOptions, 16 << 20)
                rocksdb_options_set_compression(cfOptions, Int32(rocksdb_lz4_compression))
            }
            rocksdb_options_set_block_based_table_factory(cfOptions, table)
            tableOptions.append(table)
            perFamily.append(cfOptions)
            if family.insertHintPrefixLength > 0 {
                do {
                    perFamily[perFamily.count - 1] = try Self.insertingWithHints(
                        cfOptions, prefixLength: family.insertHintPrefixLength)
                } catch {
                    for options in perFamily { rocksdb_options_destroy(options) }
                    for table in tableOptions { rocksdb_block_based_options_destroy(table) }
                    rocksdb_options_destroy(database)
                    rocksdb_cache_destroy(cache)
                    throw error
                }
            }
        }
        self.perFamily = perFamily
    }

    /// A copy of `cfOptions` with the memtable insert hint of
    /// ``ColumnFamilyDescriptor/insertHintPrefixLength``. RocksDB's C API has no setter
    /// for it, so it goes through the options-string parser. On success `cfOptions` is
    /// destroyed; on failure it is left to the caller.
    private static func insertingWithHints(_ cfOptions: OpaquePointer, prefixLength: Int) throws -> OpaquePointer {
        let hinted = rocksdb_options_create()!
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_get_options_from_string(
            cfOptions, "memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.\(prefixLength)", hinted, &error)
        do {
            try DatabaseError.check(error, .open, "cannot set the memtable insert hint")
        } catch {
            rocksdb_options_destroy(hinted)
            throw error
        }
        rocksdb_options_destroy(cfOptions)
        return hinted
    }

    deinit {
        for options in perFamily { rocksdb_options_destroy(options) }
        for table in tableOptions { rocksdb_block_based_options_destroy(table) }
        rocksdb_options_destroy(database)
        rocksdb_cache_destroy(cache)
    }
}
