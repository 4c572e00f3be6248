/// Code records to write, packed into one byte buffer: per code its key length
/// (1 byte), its ``CodeKey`` and its ``CodeRecord`` (``CodeRecord/size`` bytes).
///
/// A million changed records are one allocation, filled without per-code arrays,
/// and parts filled on several threads are handed to the committer as they are.
public struct CodeWrites: Sendable, Equatable {
    /// The packed entries.
    private(set) var bytes: [UInt8] = []
    /// The number of entries.
    public private(set) var count = 0
    /// How these writes move codes between owners and statuses.
    private(set) var tally = CodeTally()

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity * (1 + 25 + CodeRecord.size))
    }

    init(bytes: [UInt8], count: Int) {
        self.bytes = bytes
        self.count = count
    }

    /// Adds the record of one code, which replaces `old` (`nil`: a new code).
    public mutating func put(_ ref: CodeRef, _ record: CodeRecord, replacing old: CodeRecord?) {
        tally.add(gtin: ref.gtin, from: old, to: record)
        append(ref, record)
    }

    /// Adds the record of one code, leaving the tally to the caller (a changeset
    /// tallies its own ``Changeset/putCode(_:_:replacing:)``).
    mutating func append(_ ref: CodeRef, _ record: CodeRecord) {
        withUnsafeTemporaryAllocation(byteCount: 1 + 32 + CodeRecord.size, alignment: 8) { buffer in
            // 32 bytes hold the longest key (9 + 16); the length byte precedes it and
            // the record follows the key it belongs to.
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let keyLength = CodeKey.write(
                gtin: GTIN(uncheckedValue: ref.gtin), serialLength: Int(ref.serialLength), preimage: ref.preimage,
                to: base + 1)
            base[0] = UInt8(keyLength)
            record.encode(to: buffer.baseAddress! + 1 + keyLength)
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: 1 + keyLength + CodeRecord.size))
        }
        count += 1
    }

    /// The tally, leaving an empty one (a changeset keeps one tally for all its parts).
    mutating func takeTally() -> CodeTally {
        defer { tally = CodeTally() }
        return tally
    }

    /// Equal when they hold the same entries (the tally follows from them).
    public static func == (lhs: CodeWrites, rhs: CodeWrites) -> Bool { lhs.count == rhs.count && lhs.bytes == rhs.bytes }

    /// Calls `body` with each entry's key and record bytes, in the order they were put.
    public func forEach(_ body: (_ key: UnsafeRawBufferPointer, _ record: UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let keyLength = Int(all[offset])
                let key = UnsafeRawBufferPointer(rebasing: all[(offset + 1)..<(offset + 1 + keyLength)])
                let recordStart = offset + 1 + keyLength
                let record = UnsafeRawBufferPointer(rebasing: all[recordStart..<(recordStart + CodeRecord.size)])
                try body(key, record)
                offset = recordStart + CodeRecord.size
            }
        }
    }
}
