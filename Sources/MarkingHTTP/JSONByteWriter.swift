import NIOCore

/// Writes one JSON object into a `ByteBuffer`, for the answers written thousands of
/// times a second (the public check and its audit line), where `JSONEncoder`'s
/// reflection, dictionary of boxed values and key sort cost more than the work itself.
///
/// The output is byte for byte what `JSONEncoder.api` writes (keys sorted,
/// `withoutEscapingSlashes`), provided the caller adds the keys in sorted order; tests
/// compare the two. Strings are escaped as `JSONEncoder` escapes them: `"` and `\`,
/// `\b \f \n \r \t`, other control characters as `\u00xx`; everything else, UTF-8
/// included, as it is.
struct JSONByteWriter {
    private(set) var buffer: ByteBuffer
    private var first = true

    /// Starts an object (`{`) in a new buffer of `capacity` bytes.
    init(capacity: Int = 512) {
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
        buffer.writeInteger(UInt8(ascii: "{"))
    }

    /// Starts an object (`{`) in `buffer`, emptied first, or in a new buffer when `nil`:
    /// a caller writing an answer per request hands back the last answer's buffer, and
    /// once nothing else holds it its memory is written again rather than allocated.
    init(reusing buffer: consuming ByteBuffer?) {
        if var reused = buffer {
            reused.clear()
            self.buffer = reused
        } else {
            self.buffer = ByteBuffer()
            self.buffer.reserveCapacity(512)
        }
        self.buffer.writeInteger(UInt8(ascii: "{"))
    }

    /// Ends the object (`}`) and returns the bytes.
    consuming func finish() -> ByteBuffer {
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    private static let quote = UInt8(ascii: "\"")

    /// Writes `,"key":` (no comma before the first key), then up to `count` bytes that
    /// `body` writes at the pointer it is given and counts, all in one reservation of
    /// the buffer: a field costs one capacity check instead of one per byte.
    private mutating func field(_ key: StaticString, reserving count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let comma = first ? 0 : 1
        first = false
        let keyLength = key.utf8CodeUnitCount
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: comma + keyLength + 3 + count) { raw in
            // Safe: the buffer has at least `minimumWritableBytes` writable bytes at
            // `raw`, this writes `comma + keyLength + 3` of them and `body` at most
            // `count` more, and the closure returns exactly how many were written.
            let out = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if comma == 1 { out[0] = UInt8(ascii: ",") }
            out[comma] = Self.quote
            (out + comma + 1).update(from: key.utf8Start, count: keyLength)
            out[comma + 1 + keyLength] = Self.quote
            out[comma + 2 + keyLength] = UInt8(ascii: ":")
            let head = comma + 3 + keyLength
            let written = body(out + head)
            assert(written <= count, "a JSON field wrote past what it reserved")
            return head + written
        }
    }

    private mutating func key(_ key: StaticString) {
        field(key, reserving: 0) { _ in 0 }
    }

    mutating func string(_ key: StaticString, _ value: String) {
        var value = value
        value.withUTF8 { string(key, bytes: $0) }
    }

    mutating func string(_ key: StaticString, _ value: String?) {
        if let value { string(key, value) }
    }

    /// A string given as its UTF-8 bytes.
    mutating func string(_ key: StaticString, bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.contains(where: Self.needsEscape) else {
            self.key(key)
            writeEscaped(bytes)
            return
        }
        field(key, reserving: bytes.count + 2) { out in
            out[0] = Self.quote
            if let base = bytes.baseAddress { (out + 1).update(from: base, count: bytes.count) }
            out[bytes.count + 1] = Self.quote
            return bytes.count + 2
        }
    }

    mutating func bool(_ key: StaticString, _ value: Bool) {
        let text: StaticString = value ? "true" : "false"
        field(key, reserving: text.utf8CodeUnitCount) { out in
            out.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
            return text.utf8CodeUnitCount
        }
    }

    mutating func bool(_ key: StaticString, _ value: Bool?) {
        if let value { bool(key, value) }
    }

    mutating func integer<T: BinaryInteger>(_ key: StaticString, _ value: T) {
        guard let magnitude = UInt64(exactly: value.magnitude) else {
            self.key(key)
            buffer.writeString(String(value))
            return
        }
        let negative = value < 0
        field(key, reserving: 21) { out in
            var length = 1
            var probe = magnitude / 10
            while probe > 0 {
                length += 1
                probe /= 10
            }
            let sign = negative ? 1 : 0
            if negative { out[0] = UInt8(ascii: "-") }
            var rest = magnitude
            for index in stride(from: sign + length - 1, through: sign, by: -1) {
                out[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            return sign + length
        }
    }

    mutating func integer<T: BinaryInteger>(_ key: StaticString, _ value: T?) {
        if let value { integer(key, value) }
    }

    /// Milliseconds since 1970 as ``JSONAnswer/timestamp(_:)`` writes them.
    mutating func timestamp(_ key: StaticString, milliseconds: UInt64) {
        field(key, reserving: 26) { out in
            out[0] = Self.quote
            JSONAnswer.writeTimestamp(milliseconds, to: out + 1)
            out[25] = Self.quote
            return 26
        }
    }

    /// A value that is already JSON (a nested object encoded once and kept).
    mutating func raw(_ key: StaticString, _ json: [UInt8]) {
        field(key, reserving: json.count) { out in
            json.withUnsafeBufferPointer { if let base = $0.baseAddress { out.update(from: base, count: $0.count) } }
            return json.count
        }
    }

    /// Whether `byte` must be escaped inside a JSON string.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == quote || byte == UInt8(ascii: "\\")
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard Self.needsEscape(byte) else { continue }
            if runStart < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case 0x08: buffer.writeStaticString("\\b")
            case 0x0C: buffer.writeStaticString("\\f")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            case 0x09: buffer.writeStaticString("\\t")
            default:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(Self.hex[Int(byte >> 4)])
                buffer.writeInteger(Self.hex[Int(byte & 0x0F)])
            }
        }
        if runStart < bytes.count { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
