/// The bytes of a ``Changeset``: what a replicated log carries.
///
/// | part | bytes |
/// |---|---|
/// | header | `M` `C`, format version (1 byte), record size (1 byte) |
/// | operations | count (varint); each: kind (0 put, 1 delete, 2 range deletion), family (1 byte), key (varint length + bytes), then the value or the range's end (varint length + bytes) |
/// | code parts | count (varint); each: entries (varint), then per entry the bytes its key shares with the previous key of the part (1 byte), the rest of the key (1 byte length + bytes) and the record |
/// | emissions | count (varint); each: GTIN (8), serial length (1), record, start (8), end (8), skipped counters (varint count + 8 each) |
///
/// Integers are big-endian. The codes of a part are in key order, so a key shares
/// most of its bytes with the one before it: a million changed records take about
/// 52 bytes each instead of 69.
extension Changeset {
    static let formatVersion: UInt8 = 1

    /// The changeset as bytes, decoded back exactly by ``init(decoding:)``.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "M"), UInt8(ascii: "C"), Self.formatVersion, UInt8(CodeRecord.size)]
        out.reserveCapacity(16 + codeCount * (3 + CodeRecord.size + 4))
        Varint.append(UInt64(operations.count), to: &out)
        for operation in operations {
            switch operation {
            case .put(let family, let key, let value):
                out += [0, family.rawValue]
                Varint.appendBytes(key, to: &out)
                Varint.appendBytes(value, to: &out)
            case .delete(let family, let key):
                out += [1, family.rawValue]
                Varint.appendBytes(key, to: &out)
            case .deleteRange(let family, let from, let to):
                out += [2, family.rawValue]
                Varint.appendBytes(from, to: &out)
                Varint.appendBytes(to, to: &out)
            }
        }
        Varint.append(UInt64(codeParts.count), to: &out)
        for part in codeParts {
            Varint.append(UInt64(part.count), to: &out)
            var previous: [UInt8] = []
            part.forEach { key, record in
                var shared = 0
                while shared < min(previous.count, key.count, 255), previous[shared] == key[shared] { shared += 1 }
                out.append(UInt8(shared))
                out.append(UInt8(key.count - shared))
                out += key[shared...]
                out += record
                previous = Array(key)
            }
        }
        Varint.append(UInt64(emissions.count), to: &out)
        for range in emissions {
            Varint.appendFixed(range.gtin, to: &out)
            out.append(UInt8(range.serialLength))
            out += range.record.bytes
            Varint.appendFixed(range.start, to: &out)
            Varint.appendFixed(range.end, to: &out)
            Varint.append(UInt64(range.skipped.count), to: &out)
            for counter in range.skipped { Varint.appendFixed(counter, to: &out) }
        }
        return out
    }

    /// Reads bytes written by ``encoded()``; throws `changeset.malformed` naming the
    /// first thing that is wrong, and never returns a partial changeset.
    public init(decoding bytes: [UInt8]) throws(MarkingError) {
        var reader = ByteReader(bytes)
        guard try reader.bytes(2) == [UInt8(ascii: "M"), UInt8(ascii: "C")] else { throw reader.failure("not a changeset") }
        let version = try reader.byte()
        guard version == Self.formatVersion else { throw reader.failure("format version \(version) is not \(Self.formatVersion)") }
        guard try reader.byte() == UInt8(CodeRecord.size) else { throw reader.failure("its records are not \(CodeRecord.size) bytes") }
        var operations: [Operation] = []
        for _ in 0..<(try reader.count()) {
            let kind = try reader.byte()
            guard let family = StoreFamily(rawValue: try reader.byte()) else { throw reader.failure("unknown family") }
            let key = try reader.lengthPrefixed()
            switch kind {
            case 0: operations.append(.put(family, key: key, value: try reader.lengthPrefixed()))
            case 1: operations.append(.delete(family, key: key))
            case 2: operations.append(.deleteRange(family, from: key, to: try reader.lengthPrefixed()))
            default: throw reader.failure("unknown operation \(kind)")
            }
        }
        var parts: [CodeWrites] = []
        for _ in 0..<(try reader.count()) {
            let count = try reader.count()
            var packed: [UInt8] = []
            packed.reserveCapacity(count * (1 + 20 + CodeRecord.size))
            var previous: [UInt8] = []
            for _ in 0..<count {
                let shared = Int(try reader.byte())
                let rest = Int(try reader.byte())
                guard shared <= previous.count else { throw reader.failure("a code key shares more than the key before it") }
                let key = Array(previous[0..<shared]) + (try reader.bytes(rest))
                guard CodeKey.decode(key) != nil else { throw reader.failure("a code key is not a code key") }
                guard CodeRecord(try reader.peek(CodeRecord.size)) != nil else { throw reader.failure("a code record is unreadable") }
                packed.append(UInt8(key.count))
                packed += key
                packed += try reader.bytes(CodeRecord.size)
                previous = key
            }
            parts.append(CodeWrites(bytes: packed, count: count))
        }
        var emissions: [EmissionRange] = []
        for _ in 0..<(try reader.count()) {
            let gtin = try reader.fixed()
            let length = Int(try reader.byte())
            guard let record = CodeRecord(try reader.bytes(CodeRecord.size)) else { throw reader.failure("an emission's record is unreadable") }
            let start = try reader.fixed()
            let end = try reader.fixed()
            guard start <= end else { throw reader.failure("an emission range ends before it starts") }
            var skipped: [UInt64] = []
            for _ in 0..<(try reader.count()) { skipped.append(try reader.fixed()) }
            emissions.append(EmissionRange(gtin: gtin, serialLength: length, record: record, start: start, end: end, skipped: skipped))
        }
        guard reader.isAtEnd else { throw reader.failure("bytes follow the end of the changeset") }
        self.init(operations: operations, codeParts: parts, emissions: emissions)
    }
}

/// Unsigned LEB128 and fixed 8-byte big-endian integers, for ``Changeset/encoded()``.
enum Varint {
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    static func appendBytes(_ bytes: [UInt8], to out: inout [UInt8]) {
        append(UInt64(bytes.count), to: &out)
        out += bytes
    }

    static func appendFixed(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out += $0 }
    }
}

/// Reads a changeset's bytes, failing with the offset of what is wrong.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    /// The bytes not read yet.
    var remaining: Int { bytes.count - offset }

    func failure(_ what: String) -> MarkingError {
        MarkingError(.malformedChangeset, "the changeset is malformed at byte \(offset): \(what)")
    }

    mutating func byte() throws(MarkingError) -> UInt8 {
        guard offset < bytes.count else { throw failure("it ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bytes(_ count: Int) throws(MarkingError) -> [UInt8] {
        let slice = try peek(count)
        offset += count
        return slice
    }

    func peek(_ count: Int) throws(MarkingError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw failure("it ends early") }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func varint() throws(MarkingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try self.byte()
            guard shift < 64 else { throw failure("a number is too long") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A count, bounded by the bytes left so that a corrupt count cannot ask for a
    /// huge allocation.
    mutating func count() throws(MarkingError) -> Int {
        let value = try varint()
        guard value <= UInt64(bytes.count - offset) else { throw failure("a count of \(value) exceeds the bytes left") }
        return Int(value)
    }

    mutating func lengthPrefixed() throws(MarkingError) -> [UInt8] {
        try bytes(try count())
    }

    mutating func fixed() throws(MarkingError) -> UInt64 {
        try bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
