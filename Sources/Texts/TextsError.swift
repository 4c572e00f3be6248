/// Why the text catalogue cannot be used: a file missing or malformed, or a text that
/// a reader resolves at start (a problem code's title or detail) missing from it.
public struct TextsError: Error, Sendable, CustomStringConvertible {
    /// A stable code for each kind of failure.
    public enum Code: String, Sendable {
        /// A catalogue file is not where the build puts it.
        case resource = "texts.resource"
        /// A catalogue file is not a JSON object of strings.
        case malformed = "texts.malformed"
        /// A text resolved at start is missing or blank.
        case missingKey = "texts.missing_key"
    }

    public let code: Code
    public let message: String
    /// The error underneath (reading or decoding the file), when there is one.
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        "\(code.rawValue): \(message)" + (cause.map { " (\($0))" } ?? "")
    }
}
