/// Why a scanned code could not be read, with the 1-based byte position in the input
/// where reading stopped.
public struct CodeFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(stringLiteral value: String) { rawValue = value }
        public var description: String { rawValue }

        public static let empty: Code = "code.empty"
        public static let tooLong: Code = "code.too_long"
        public static let expectedAI: Code = "code.expected_ai"
        public static let gtinDigits: Code = "code.gtin_digits"
        public static let gtinCheckDigit: Code = "code.gtin_check_digit"
        public static let serialCharacter: Code = "code.serial_character"
        public static let serialLength: Code = "code.serial_length"
        public static let expectedSeparator: Code = "code.expected_separator"
        public static let keyID: Code = "code.key_id"
        public static let tail: Code = "code.tail"
        public static let trailingData: Code = "code.trailing_data"
    }

    public var code: Code
    /// 1-based byte offset into the input as delivered (FNC1 prefix included).
    public var position: Int
    public var message: String

    public init(_ code: Code, at position: Int, _ message: String) {
        self.code = code
        self.position = position
        self.message = message
    }

    public var description: String { "\(message) (at position \(position))" }
}
