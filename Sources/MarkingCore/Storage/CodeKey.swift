/// The storage key of a code: GTIN (8 bytes, big-endian), serial length (1 byte), and
/// the serial's preimage under the ``SerialPermutation`` (big-endian, as many bytes as
/// `82^length - 1` needs: 11 for 13 characters, 6 for 7, 5 for 6).
///
/// For codes the operator issued, the preimage is the emission counter, so the codes
/// of one order are one contiguous key range: emission is an append (RocksDB's fastest
/// write path) and an order is one range scan. Self-made serials land at their own
/// preimage in the same family; emission skips those counters. Either way a scanned
/// code is one point read. Two templates with the same serial length share the space,
/// because the identity of a unit (the CIS) is GTIN plus serial, whatever the tail.
public enum CodeKey {
    /// The bytes of the preimage field for serials of `length` characters.
    public static func width(forSerialLength length: Int) -> Int {
        let bits = Double(length) * 6.357_552_004_618_084  // log2(82)
        return Int((bits / 8).rounded(.up))
    }

    /// The key length for serials of `length` characters.
    public static func length(forSerialLength length: Int) -> Int { 9 + width(forSerialLength: length) }

    /// The 9-byte prefix shared by every code of one GTIN and serial length.
    public static func prefix(gtin: GTIN, serialLength: Int) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 9)
        key.withUnsafeMutableBufferPointer { writePrefix(gtin: gtin, serialLength: serialLength, to: $0.baseAddress!) }
        return key
    }

    @inline(__always)
    static func writePrefix(gtin: GTIN, serialLength: Int, to destination: UnsafeMutablePointer<UInt8>) {
        var value = gtin.value
        for index in stride(from: 7, through: 0, by: -1) {
            destination[index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
        destination[8] = UInt8(serialLength)
    }

    /// Writes the full key to `destination` and returns its length.
    @inline(__always)
    public static func write(gtin: GTIN, serialLength: Int, preimage: UInt128, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        writePrefix(gtin: gtin, serialLength: serialLength, to: destination)
        let width = width(forSerialLength: serialLength)
        var value = preimage
        for index in stride(from: 9 + width - 1, through: 9, by: -1) {
            destination[index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
        return 9 + width
    }

    /// The key as an array.
    public static func make(gtin: GTIN, serialLength: Int, preimage: UInt128) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: length(forSerialLength: serialLength))
        _ = key.withUnsafeMutableBufferPointer { write(gtin: gtin, serialLength: serialLength, preimage: preimage, to: $0.baseAddress!) }
        return key
    }

    /// Splits a key back into its parts, or `nil` when it is not a code key.
    public static func decode(_ key: some Collection<UInt8>) -> (gtin: GTIN, serialLength: Int, preimage: UInt128)? {
        Array(key).withUnsafeBytes { decode($0) }
    }

    /// Splits a key back into its parts without copying it (cursor scans call this per entry).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> (gtin: GTIN, serialLength: Int, preimage: UInt128)? {
        guard bytes.count >= 10 else { return nil }
        let gtin = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let length = Int(bytes[8])
        guard (1...20).contains(length), bytes.count == self.length(forSerialLength: length) else { return nil }
        let preimage = bytes[9...].reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        return (GTIN(uncheckedValue: gtin), length, preimage)
    }
}
