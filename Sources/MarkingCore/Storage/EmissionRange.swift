import RocksDB

/// The records of an emission order, as a range of counters: what a changeset
/// carries for an order instead of its codes, and what every copy of the store
/// derives the same records from.
///
/// The keys are the counters (``CodeKey``), so the records do not depend on the
/// serials: one writer appends them in key order, RocksDB's fastest path (two
/// writers interleaving measured slower here).
public struct EmissionRange: Sendable, Equatable {
    /// Codes per write batch.
    public static let chunkSize = 8_192

    public var gtin: UInt64
    public var serialLength: Int
    /// The record every code of the range starts with.
    public var record: CodeRecord
    /// Counters `[start, end)`, less `skipped` (self-made serials already there).
    public var start: UInt64
    public var end: UInt64
    public var skipped: [UInt64]

    public init(gtin: UInt64, serialLength: Int, record: CodeRecord, start: UInt64, end: UInt64, skipped: [UInt64]) {
        self.gtin = gtin
        self.serialLength = serialLength
        self.record = record
        self.start = start
        self.end = end
        self.skipped = skipped
    }

    /// The range cut into consecutive ranges of at most `count` counters, each with
    /// its own skipped counters: written one after another, with other orders' writes
    /// free to come in between.
    public func slices(of count: Int) -> [EmissionRange] {
        let step = UInt64(max(1, count))
        return stride(from: start, to: end, by: Int(step)).map { from in
            let to = min(end, from + step)
            var slice = self
            slice.start = from
            slice.end = to
            slice.skipped = skipped.filter { $0 >= from && $0 < to }
            return slice
        }
    }

    /// The number of codes the range writes.
    public var count: Int { Int(end - start) - skipped.count }

    /// Writes the range's records, unsynced, in batches of ``chunkSize``; syncs after a
    /// batch that a reader of `durable` waits for.
    func write(into database: Database, family: ColumnFamily, progress: (@Sendable (Int) -> Void)?, durable: DurableFrontier? = nil) throws {
        let keyLength = CodeKey.length(forSerialLength: serialLength)
        let key = UnsafeMutablePointer<UInt8>.allocate(capacity: keyLength)
        defer { key.deallocate() }
        _ = CodeKey.write(gtin: GTIN(uncheckedValue: gtin), serialLength: serialLength, preimage: 0, to: key)
        let recordBytes = record.bytes
        let skipped = Set(self.skipped)
        let batch = WriteBatch()
        var chunkStart = start
        while chunkStart < end {
            let chunkEnd = min(end, chunkStart + UInt64(Self.chunkSize))
            var written = 0
            for counter in chunkStart..<chunkEnd {
                if !skipped.isEmpty, skipped.contains(counter) { continue }
                var value = counter
                for index in stride(from: keyLength - 1, through: 9, by: -1) {
                    key[index] = UInt8(truncatingIfNeeded: value)
                    value >>= 8
                }
                // `key` holds `keyLength` initialised bytes and `recordBytes` outlives
                // the call; RocksDB copies both into the batch.
                recordBytes.withUnsafeBytes { record in
                    batch.put(UnsafeRawBufferPointer(start: key, count: keyLength), record, in: family)
                }
                written += 1
            }
            try database.write(batch, sync: false)
            batch.clear()
            progress?(written)
            if let durable, durable.wrote(through: chunkEnd) {
                try database.syncWAL()
                durable.synced(through: chunkEnd)
            }
            chunkStart = chunkEnd
        }
    }
}
