/// GS1 character set 82, the characters a serial (AI 21) may contain, in byte order.
///
/// A serial of length `n` is read as an `n`-digit number in base 82 whose digits are
/// the positions of its characters here; the serial permutation works on that number.
public enum SerialAlphabet {
    /// The 82 characters in ascending byte order.
    public static let characters: [UInt8] = Array(
        "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)

    /// The radix of the serial number space.
    public static let radix: UInt64 = 82

    /// Maps a byte to its digit value, or 0xFF when it is not in set 82.
    public static let digitValues: InlineArray<256, UInt8> = {
        var table = InlineArray<256, UInt8>(repeating: 0xFF)
        for (index, byte) in characters.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Set 82 as a 128-bit mask: bit `b` of ``lowMask`` is byte `b` (0–63), bit `b` of
    /// ``highMask`` is byte `64 + b`. Membership and digit values come from these two
    /// constants, so the per-character loops of batch jobs touch no lazily initialised
    /// global: a table behind a `static let` costs a `swift_once` call per character,
    /// which was a tenth of a document's parse. A test holds them to ``characters``.
    @inlinable static var lowMask: UInt64 { 0xFFFF_FFE6_0000_0000 }
    @inlinable static var highMask: UInt64 { 0x07FF_FFFE_87FF_FFFE }

    /// Whether `byte` belongs to set 82.
    @inlinable @inline(__always)
    public static func contains(_ byte: UInt8) -> Bool {
        if byte < 64 { return (lowMask &>> UInt64(byte)) & 1 == 1 }
        return byte < 128 && (highMask &>> UInt64(byte &- 64)) & 1 == 1
    }

    /// The digit value of `byte` (its position in ``characters``): the number of set-82
    /// bytes below it. Only meaningful when ``contains(_:)`` holds.
    @inlinable @inline(__always)
    public static func digit(_ byte: UInt8) -> UInt8 {
        if byte < 64 { return UInt8((lowMask & ((1 &<< UInt64(byte)) &- 1)).nonzeroBitCount) }
        let above = highMask & ((1 &<< UInt64(byte & 63)) &- 1)
        return UInt8(lowMask.nonzeroBitCount + above.nonzeroBitCount)
    }
}
