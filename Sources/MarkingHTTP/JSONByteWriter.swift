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

    private mutating func key(_ key: StaticString) {
        if first {
            first = false
        } else {
            buffer.writeInteger(UInt8(ascii: ","))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
    }

    mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        var value = value
        value.withUTF8 { writeEscaped($0) }
    }

    mutating func string(_ key: StaticString, _ value: String?) {
        if let value { string(key, value) }
    }

    /// A string given as its UTF-8 bytes.
    mutating func string(_ key: StaticString, bytes: UnsafeBufferPointer<UInt8>) {
        self.key(key)
        writeEscaped(bytes)
    }

    mutating func bool(_ key: StaticString, _ value: Bool) {
        self.key(key)
        buffer.writeStaticString(value ? "true" : "false")
    }

    mutating func bool(_ key: StaticString, _ value: Bool?) {
        if let value { bool(key, value) }
    }

    mutating func integer<T: BinaryInteger>(_ key: StaticString, _ value: T) {
        self.key(key)
        buffer.writeString(String(value))
    }

    mutating func integer<T: BinaryInteger>(_ key: StaticString, _ value: T?) {
        if let value { integer(key, value) }
    }

    /// Milliseconds since 1970 as ``JSONAnswer/timestamp(_:)`` writes them.
    mutating func timestamp(_ key: StaticString, milliseconds: UInt64) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { output in
            JSONAnswer.writeTimestamp(milliseconds, to: output.baseAddress!.assumingMemoryBound(to: UInt8.self))
            return 24
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// A value that is already JSON (a nested object encoded once and kept).
    mutating func raw(_ key: StaticString, _ json: [UInt8]) {
        self.key(key)
        buffer.writeBytes(json)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
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
