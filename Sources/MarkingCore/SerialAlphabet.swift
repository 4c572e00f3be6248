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

    /// Maps a byte to its digit value, or 0xFF when it is not in set 82. An inline
    /// array: reading it in a hot loop costs no reference counting.
    public static let digitValues: InlineArray<256, UInt8> = {
        var table = InlineArray<256, UInt8>(repeating: 0xFF)
        for (index, byte) in characters.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Whether `byte` belongs to set 82.
    @inlinable
    public static func contains(_ byte: UInt8) -> Bool { digitValues[Int(byte)] != 0xFF }
}
