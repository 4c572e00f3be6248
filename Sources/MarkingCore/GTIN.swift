/// A Global Trade Item Number in its 14-digit form (GTIN-14), with a valid GS1 mod-10
/// check digit.
///
/// Stored as its numeric value so that it packs into 8 big-endian key bytes and sorts
/// the same way as its digits.
public struct GTIN: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 14-digit number, check digit included.
    public let value: UInt64

    /// Parses exactly 14 digits and validates the check digit.
    ///
    /// Shorter GTINs (GTIN-8, -12, -13) are refused here on purpose: in a marking code
    /// AI 01 always carries 14 digits, so a short input is more likely a typing error
    /// than a deliberate short form. Use ``init(padding:)`` to pad one explicitly.
    public init(_ text: some StringProtocol) throws(MarkingError) {
        let digits = Array(text.utf8)
        guard digits.count == 14 else {
            let hint = [8, 12, 13].contains(digits.count) && digits.allSatisfy(GTIN.isDigit)
                ? "; a GTIN-\(digits.count) must be padded with leading zeros to 14 digits"
                : ""
            throw MarkingError(.invalidGTIN, "GTIN '\(text)' has \(digits.count) characters, expected 14 digits\(hint)")
        }
        try self.init(digits: digits[...], text: String(text))
    }

    /// Accepts a GTIN-8, -12, -13 or -14 and pads it with leading zeros to 14 digits.
    public init(padding text: some StringProtocol) throws(MarkingError) {
        let digits = Array(text.utf8)
        guard [8, 12, 13, 14].contains(digits.count) else {
            throw MarkingError(.invalidGTIN, "GTIN '\(text)' has \(digits.count) digits, expected 8, 12, 13 or 14")
        }
        try self.init(digits: (Array(repeating: UInt8(ascii: "0"), count: 14 - digits.count) + digits)[...], text: String(text))
    }

    init(digits: ArraySlice<UInt8>, text: String) throws(MarkingError) {
        var value: UInt64 = 0
        for (offset, byte) in digits.enumerated() {
            guard GTIN.isDigit(byte) else {
                throw MarkingError(.invalidGTIN, "GTIN '\(text)' has '\(Character(Unicode.Scalar(byte)))' at position \(offset + 1), expected a digit")
            }
            value = value * 10 + UInt64(byte - 48)
        }
        let expected = GTIN.checkDigit(of: value / 10)
        guard value % 10 == expected else {
            throw MarkingError(.gtinCheckDigit, "GTIN '\(text)' has check digit \(value % 10), expected \(expected)")
        }
        self.value = value
    }

    /// Wraps a number already known to be a valid GTIN (read back from the store).
    public init(uncheckedValue: UInt64) { self.value = uncheckedValue }

    /// The GS1 mod-10 check digit of the 13 leading digits: weights 3,1,3,... from the right.
    public static func checkDigit(of body: UInt64) -> UInt64 {
        var body = body
        var sum: UInt64 = 0
        var weight: UInt64 = 3
        while body > 0 {
            sum += (body % 10) * weight
            body /= 10
            weight = weight == 3 ? 1 : 3
        }
        return (10 - sum % 10) % 10
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// The 14 digits.
    public var description: String {
        let digits = String(value)
        return String(repeating: "0", count: 14 - digits.count) + digits
    }

    /// Writes the 14 ASCII digits to `buffer`, which must have room for them.
    @inlinable
    public func writeDigits(to buffer: UnsafeMutablePointer<UInt8>) {
        var remaining = value
        for index in stride(from: 13, through: 0, by: -1) {
            buffer[index] = UInt8(truncatingIfNeeded: remaining % 10) &+ 48
            remaining /= 10
        }
    }

    public static func < (lhs: GTIN, rhs: GTIN) -> Bool { lhs.value < rhs.value }
}

extension GTIN: Codable {
    /// A GTIN travels as its 14 digits, checked again when read.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
