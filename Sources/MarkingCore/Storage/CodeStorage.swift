import Dispatch
import RocksDB
import Synchronization

/// Reads of the `codes` and `counters` families.
///
/// `codes`:
///
/// | key | value |
/// |---|---|
/// | ``CodeKey``: GTIN (8, big-endian), serial length (1), serial preimage (big-endian) | ``CodeRecord`` (48 bytes) |
///
/// `counters`:
///
/// | key | value |
/// |---|---|
/// | GTIN (8, big-endian) + serial length (1): the ``CodeKey`` prefix | ``EmissionCounter``: next free counter (8, little-endian), has self-made serials (1) |
extension MarkingStore {
    /// The record of a code when it is in memory (memtables, block cache):
    /// `.some(nil)` for a code the store does not know, `nil` when answering would
    /// need a read from disk. For threads that must not block (event loops).
    public func recordInMemory(for cis: CIS) throws(MarkingError) -> CodeRecord?? {
        let ref = ref(for: cis)
        return try records.record(ref) { () throws(MarkingError) in
            try read { try database.withValueInMemory(forKey: ref.key, in: families[.codes]) { $0.flatMap(CodeRecord.init) } }
        }
    }

    /// The records of `refs`, which must be in key order, aligned with them.
    ///
    /// The codes of a document usually come from few orders, and an order's codes are
    /// one contiguous key range; where the requested keys are dense in their range, a
    /// bounded cursor walks it and picks them out (one per core for long runs), far
    /// cheaper per code than point reads. Sparse keys go through one batched MultiGet.
    public func records(sortedRefs refs: [CodeRef], parts: Int) throws(MarkingError) -> [CodeRecord?] {
        var records = [CodeRecord?](repeating: nil, count: refs.count)
        try read { () throws -> Void in
            var sparse: [Int] = []
            var runStart = 0
            while runStart < refs.count {
                let first = refs[runStart]
                var runEnd = runStart + 1
                while runEnd < refs.count, refs[runEnd].gtin == first.gtin, refs[runEnd].serialLength == first.serialLength {
                    runEnd += 1
                }
                let span = refs[runEnd - 1].preimage - first.preimage + 1
                if UInt128(runEnd - runStart) * 2 >= span {
                    try scan(refs, runStart..<runEnd, into: &records, parts: parts)
                } else {
                    sparse += Array(runStart..<runEnd)
                }
                runStart = runEnd
            }
            guard !sparse.isEmpty else { return }
            var keys = KeyList(capacity: sparse.count, keyLength: 20)
            for index in sparse { keys.append(refs[index].key) }
            try database.multiGet(keys, in: families[.codes], sorted: true) { position, value in
                records[sparse[position]] = value.flatMap(CodeRecord.init)
            }
        }
        return records
    }

    /// Whether each of `refs` (in any order) has a record.
    public func codesExist(_ refs: [CodeRef]) throws(MarkingError) -> [Bool] {
        var exists = [Bool](repeating: false, count: refs.count)
        var keys = KeyList(capacity: refs.count, keyLength: 20)
        for ref in refs { keys.append(ref.key) }
        try read { try database.multiGet(keys, in: families[.codes]) { index, value in exists[index] = value != nil } }
        return exists
    }

    /// The counters in `[from, to)` of one GTIN and serial length that hold a code.
    public func storedCounters(gtin: GTIN, serialLength: Int, from: UInt64, to: UInt64) throws(MarkingError) -> [UInt64] {
        try read { () throws -> [UInt64] in
            let cursor = try Cursor(
                database, family: families[.codes],
                from: CodeKey.make(gtin: gtin, serialLength: serialLength, preimage: UInt128(from)),
                to: CodeKey.make(gtin: gtin, serialLength: serialLength, preimage: UInt128(to)))
            var taken: [UInt64] = []
            while cursor.isValid {
                if let parts = CodeKey.decode(cursor.key) { taken.append(UInt64(parts.preimage)) }
                cursor.next()
            }
            try cursor.checkStatus()
            return taken
        }
    }

    /// Calls `body` with every code of one GTIN and serial length, in key order.
    public func forEachCode(
        gtin: GTIN, serialLength: Int, _ body: (CodeRef, CodeRecord) throws -> Void
    ) throws(MarkingError) {
        try read { () throws -> Void in
            let cursor = try Cursor(database, family: families[.codes], prefix: CodeKey.prefix(gtin: gtin, serialLength: serialLength))
            while cursor.isValid {
                let entry = cursor.withEntry { key, value in (CodeRef(key: key), CodeRecord(value)) }
                if let ref = entry.0, let record = entry.1 { try body(ref, record) }
                cursor.next()
            }
            try cursor.checkStatus()
        }
    }

    /// Reads the records of `refs[range]` (sorted, one GTIN and serial length) with
    /// cursors over their key range: one per core for long runs, each over its own
    /// contiguous part, so the scan of a million codes uses both cores.
    private func scan(_ refs: [CodeRef], _ range: Range<Int>, into records: inout [CodeRecord?], parts: Int) throws {
        let parts = range.count >= 200_000 ? max(1, parts) : 1
        let failure = Mutex<(any Error)?>(nil)
        records.withUnsafeMutableBufferPointer { buffer in
            // Each part writes only `buffer[part]`, a range no other part touches, and
            // concurrentPerform returns only when every part is done with the buffer.
            nonisolated(unsafe) let records = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lower = range.lowerBound + range.count * part / parts
                let upper = range.lowerBound + range.count * (part + 1) / parts
                do {
                    try self.scan(refs, lower..<upper, into: records)
                } catch {
                    failure.withLock { $0 = error }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func scan(_ refs: [CodeRef], _ range: Range<Int>, into records: UnsafeMutableBufferPointer<CodeRecord?>) throws {
        guard !range.isEmpty else { return }
        let first = refs[range.lowerBound]
        var last = refs[range.upperBound - 1]
        last.preimage += 1
        let cursor = try Cursor(database, family: families[.codes], from: first.key, to: last.key)
        var index = range.lowerBound
        while cursor.isValid, index < range.upperBound {
            let found = cursor.withEntry { key, value -> (CodeRef?, CodeRecord?) in (CodeRef(key: key), CodeRecord(value)) }
            guard let ref = found.0 else {
                cursor.next()
                continue
            }
            while index < range.upperBound, refs[index] < ref { index += 1 }
            while index < range.upperBound, refs[index] == ref {
                records[index] = found.1
                index += 1
            }
            cursor.next()
        }
        try cursor.checkStatus()
    }

    // MARK: Counters

    /// The emission counter of one GTIN and serial length.
    public func counter(gtin: GTIN, serialLength: Int) throws(MarkingError) -> EmissionCounter {
        let stored = try read { try database.get(CodeKey.prefix(gtin: gtin, serialLength: serialLength), in: families[.counters]) }
        guard let stored, stored.count == 9 else { return EmissionCounter(next: 0, hasSelfMade: false) }
        let next = stored.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        return EmissionCounter(next: next, hasSelfMade: stored[8] != 0)
    }
}

/// The counter of one GTIN and serial length: where the next order's range starts,
/// and whether self-made serials may sit in the counter space (then ranges skip them).
public struct EmissionCounter: Sendable, Equatable {
    public var next: UInt64
    public var hasSelfMade: Bool

    public init(next: UInt64, hasSelfMade: Bool) {
        self.next = next
        self.hasSelfMade = hasSelfMade
    }

    var bytes: [UInt8] { withUnsafeBytes(of: next.littleEndian) { Array($0) } + [hasSelfMade ? 1 : 0] }
}

extension Changeset {
    /// Moves the counter of one GTIN and serial length.
    public mutating func putCounter(_ counter: EmissionCounter, gtin: GTIN, serialLength: Int) {
        put(CodeKey.prefix(gtin: gtin, serialLength: serialLength), counter.bytes, in: .counters)
    }
}
