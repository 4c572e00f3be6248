/// Standard base64 (RFC 4648 §4, with padding), written by hand for the tail hot loop:
/// one 32-byte MAC into 44 bytes of a caller's buffer, without allocating.
public enum Base64 {
    @usableFromInline
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static let decodeTable: InlineArray<256, UInt8> = {
        var table = InlineArray<256, UInt8>(repeating: 0xFF)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Whether `byte` is one of the 64 base64 characters (padding excluded). Two mask
    /// constants rather than ``decodeTable``: this runs on every character of every tail
    /// a batch job reads, where a lazily initialised table costs a `swift_once` call each.
    @inlinable @inline(__always)
    public static func isAlphabet(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x03FF_8800_0000_0000 as UInt64 &>> UInt64(byte)) & 1 == 1 }
        return byte < 128 && (0x07FF_FFFE_07FF_FFFE as UInt64 &>> UInt64(byte &- 64)) & 1 == 1
    }

    /// Encodes `source` into `destination`, which must have room for
    /// `((source.count + 2) / 3) * 4` bytes; returns the number written.
    @inlinable
    public static func encode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<UInt8>) -> Int {
        alphabet.withUnsafeBufferPointer { table in
            var out = 0
            var index = 0
            let count = source.count
            while index + 3 <= count {
                let value = UInt32(source[index]) << 16 | UInt32(source[index + 1]) << 8 | UInt32(source[index + 2])
                destination[out] = table[Int(value >> 18 & 63)]
                destination[out + 1] = table[Int(value >> 12 & 63)]
                destination[out + 2] = table[Int(value >> 6 & 63)]
                destination[out + 3] = table[Int(value & 63)]
                index += 3
                out += 4
            }
            let remaining = count - index
            if remaining > 0 {
                let value = UInt32(source[index]) << 16 | (remaining == 2 ? UInt32(source[index + 1]) << 8 : 0)
                destination[out] = table[Int(value >> 18 & 63)]
                destination[out + 1] = table[Int(value >> 12 & 63)]
                destination[out + 2] = remaining == 2 ? table[Int(value >> 6 & 63)] : UInt8(ascii: "=")
                destination[out + 3] = UInt8(ascii: "=")
                out += 4
            }
            return out
        }
    }

    /// Encodes bytes to a string (for key files and tests, not the hot path).
    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4)
        let written = bytes.withUnsafeBytes { source in
            output.withUnsafeMutableBufferPointer { encode(source, into: $0.baseAddress!) }
        }
        return String(decoding: output[..<written], as: UTF8.self)
    }

    /// Decodes padded base64, or returns `nil` when `text` is not valid base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        var padding = 0
        while bytes.last == UInt8(ascii: "="), padding < 2 {
            bytes.removeLast()
            padding += 1
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            let value = decodeTable[Int(byte)]
            guard value != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}
