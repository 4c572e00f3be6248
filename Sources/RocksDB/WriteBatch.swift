import CRocksDB

/// A set of puts and deletes applied atomically by ``Database/write(_:sync:)``.
///
/// Not `Sendable`: a batch is built by one thread (one emission shard, one job) and then
/// written; that ownership is the point of batching.
public final class WriteBatch {
    let handle: OpaquePointer

    public init() { handle = rocksdb_writebatch_create() }

    deinit { rocksdb_writebatch_destroy(handle) }

    /// The number of operations in the batch.
    public var count: Int { Int(rocksdb_writebatch_count(handle)) }

    /// The size of the serialized batch in bytes.
    public var byteSize: Int {
        var size = 0
        _ = rocksdb_writebatch_data(handle, &size)
        return size
    }

    /// Stores `value` under `key`.
    public func put(_ key: [UInt8], _ value: [UInt8], in family: ColumnFamily) {
        key.withUnsafeBytes { key in
            value.withUnsafeBytes { value in
                put(key, value, in: family)
            }
        }
    }

    /// Stores raw bytes; the hot loops of emission call this with stack buffers.
    public func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, in family: ColumnFamily) {
        // RocksDB copies key and value into the batch's own buffer before returning.
        rocksdb_writebatch_put_cf(
            handle, family.handle,
            key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count,
            value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count)
    }

    /// Removes `key`.
    public func delete(_ key: [UInt8], in family: ColumnFamily) {
        key.withUnsafeBytes { key in
            rocksdb_writebatch_delete_cf(
                handle, family.handle, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count)
        }
    }

    /// Removes every key in `[start, end)`.
    public func deleteRange(from start: [UInt8], to end: [UInt8], in family: ColumnFamily) {
        // A programming error, not an input error: see `ColumnFamilyDescriptor.insertHintPrefixLength`.
        precondition(!family.hasInsertHints, "range deletion in \(family.name), a family with memtable insert hints")
        start.withUnsafeBytes { start in
            end.withUnsafeBytes { end in
                rocksdb_writebatch_delete_range_cf(
                    handle, family.handle,
                    start.baseAddress?.assumingMemoryBound(to: CChar.self), start.count,
                    end.baseAddress?.assumingMemoryBound(to: CChar.self), end.count)
            }
        }
    }

    /// The batch in RocksDB's own representation (exposed by `rocksdb_writebatch_data`,
    /// the form batches are replicated in): an 8-byte sequence number, a 4-byte
    /// little-endian count, then the records. A value, so a batch built on one thread
    /// can be handed to another.
    public var representation: [UInt8] {
        var size = 0
        // The pointer is into the batch's own buffer, valid until the batch changes.
        let data = rocksdb_writebatch_data(handle, &size)!
        return [UInt8](UnsafeRawBufferPointer(start: data, count: size))
    }

    /// One batch with the operations of `representations`, in order, so that batches
    /// built in parallel are still written as one atomic batch: their records one after
    /// the other under the summed count.
    public static func joining(_ representations: [[UInt8]]) -> WriteBatch {
        var joined = [UInt8](repeating: 0, count: 12)
        var count: UInt32 = 0
        for representation in representations where representation.count >= 12 {
            joined += representation[12...]
            count += representation.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        }
        withUnsafeBytes(of: count.littleEndian) { joined.replaceSubrange(8..<12, with: $0) }
        let handle = joined.withUnsafeBytes {
            rocksdb_writebatch_create_from($0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count)!
        }
        return WriteBatch(handle: handle)
    }

    private init(handle: OpaquePointer) { self.handle = handle }

    /// Empties the batch so it can be reused without reallocating.
    public func clear() { rocksdb_writebatch_clear(handle) }
}
