import Foundation
import RocksDB

/// Operations on the store as a whole, for tools and the bench: flushing, compacting,
/// sizes, warming the cache, and the raw writes the bench states its figures against.
extension MarkingStore {
    /// Writes every family's memtable to files.
    public func flush() throws(MarkingError) {
        try read { for family in StoreFamily.allCases { try database.flush(families[family]) } }
    }

    /// Compacts one family fully.
    public func compact(_ family: StoreFamily) throws(MarkingError) {
        try read { try database.compact(families[family]) }
    }

    /// The bytes of a family's live SST files.
    public func fileBytes(of family: StoreFamily) -> Int {
        Int(database.integerProperty("rocksdb.live-sst-files-size", of: families[family]) ?? 0)
    }

    /// Every key and value of `family` (or of its keys starting with `prefix`), in
    /// key order: for tools and tests that compare stores; it reads the whole range.
    public func entries(of family: StoreFamily, prefix: [UInt8] = []) throws(MarkingError) -> [[UInt8]: [UInt8]] {
        try read { () throws -> [[UInt8]: [UInt8]] in
            let cursor = try Cursor(database, family: families[family], prefix: prefix)
            var entries: [[UInt8]: [UInt8]] = [:]
            while cursor.isValid {
                cursor.withEntry { key, value in entries[Array(key)] = Array(value) }
                cursor.next()
            }
            try cursor.checkStatus()
            return entries
        }
    }

    /// Reads every code record once into the block cache; returns how many there are.
    public func warmCodes(progress: (Int) -> Void) throws(MarkingError) -> Int {
        try read { () throws -> Int in
            let cursor = try Cursor(database, family: families[.codes], fillCache: true)
            var found = 0
            while cursor.isValid {
                found += 1
                if found % 65_536 == 0 { progress(65_536) }
                cursor.next()
            }
            progress(found % 65_536)
            try cursor.checkStatus()
            return found
        }
    }

    /// The applied sequence as stored, read from the store (not the committer's
    /// memory): proves the store answers reads.
    public func readAppliedSequence() throws(MarkingError) -> UInt64 {
        try read { try database.get(MetaKeys.applied, in: families[.meta]) }.flatMap(MetaKeys.decodeSequence) ?? 0
    }

    /// ``readAppliedSequence()`` when RocksDB answers it from memory (memtable, block
    /// cache), `nil` when it would read the disk: for threads that must not block
    /// (event loops).
    public func appliedSequenceInMemory() throws(MarkingError) -> UInt64? {
        try read {
            try database.withValueInMemory(forKey: MetaKeys.applied, in: families[.meta]) { value in
                value.flatMap(MetaKeys.decodeSequence) ?? 0
            }
        }
    }

    // MARK: Checkpoints

    /// Writes a checkpoint of the whole store to `folder/db` (a consistent copy, SST
    /// files hard-linked) at a moment when no changeset is being written and no
    /// emission is half written, and returns the applied sequence it holds. A replica
    /// starts from it (``MarkingStore/init(dataFolder:keyFile:create:catalog:options:)``
    /// on a copy) and catches up with the log after that sequence.
    public func checkpoint(into folder: String) throws(MarkingError) -> UInt64 {
        guard !FileManager.default.fileExists(atPath: folder) else {
            throw MarkingError(.dataFolder, "checkpoint folder \(folder) exists already")
        }
        return try committer.whileSettled { sequence throws(MarkingError) -> UInt64 in
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try database.checkpoint(to: folder + "/db")
            } catch {
                throw MarkingError(.store, "cannot write checkpoint \(folder): \(error)")
            }
            return sequence
        }
    }

    // MARK: Ceilings

    /// The storage ceiling of emission: writes `count` copies of `record` under the
    /// keys `key` fills in (starting from `firstKey`), unsynced in
    /// batches of 8,192, then syncs the log. No engine logic: the same bytes an
    /// emission writes, as fast as RocksDB takes them. Not a registry write: only
    /// for the bench, on a store of its own.
    public func ceilingWrite(
        count: Int, record: [UInt8], firstKey: [UInt8], key: (_ counter: Int, _ key: inout [UInt8]) -> Void,
        progress: (Int) -> Void
    ) throws(MarkingError) {
        records.beginWriteOfAnyCode()
        defer { records.endWrite() }
        try read { () throws -> Void in
            let batch = WriteBatch()
            let codes = families[.codes]
            var keyBytes = firstKey
            var counter = 0
            while counter < count {
                let end = min(count, counter + 8_192)
                for value in counter..<end {
                    key(value, &keyBytes)
                    keyBytes.withUnsafeBytes { key in record.withUnsafeBytes { record in batch.put(key, record, in: codes) } }
                }
                try database.write(batch, sync: false)
                batch.clear()
                counter = end
                progress(counter)
            }
            try database.syncWAL()
        }
    }

    /// The storage ceiling of a document: reads the records of `refs` (sorted) in one
    /// MultiGet and writes them back unchanged in one synced batch. Returns the
    /// seconds of each step.
    public func ceilingRewrite(_ refs: [CodeRef]) throws(MarkingError) -> (read: Double, write: Double) {
        try read { () throws -> (read: Double, write: Double) in
            var keys = KeyList(capacity: refs.count, keyLength: 20)
            for ref in refs { keys.append(ref.key) }
            let codes = families[.codes]
            let started = ContinuousClock.now
            let batch = WriteBatch()
            try database.multiGet(keys, in: codes, sorted: true) { position, value in
                guard let value else { return }
                keys[position].withUnsafeBytes { key in batch.put(key, value, in: codes) }
            }
            let read = ContinuousClock.now
            try database.write(batch, sync: true)
            let written = ContinuousClock.now
            return (Self.seconds(read - started), Self.seconds(written - read))
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
