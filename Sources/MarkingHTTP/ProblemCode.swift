import Hummingbird
import MarkingCore

extension Problem {
    /// A stable, machine-readable problem code such as `token.limit`, declared once, in
    /// an area of ``ProblemCatalog``, together with its HTTP status; its title and detail
    /// in Kazakh, Russian and English are in the text catalogue (``Texts/TextCatalogue``).
    ///
    /// Routes name codes as members (`Problem(.participants.tokenLimit)`), never as
    /// strings, so a misspelt code does not compile instead of becoming a 500 answer.
    /// There is no public initializer: a code exists only where the catalog declares it.
    /// Two codes are equal when their wire strings are.
    public struct Code: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The code on the wire: `code` and `type` of a problem document, `code` of a field error.
        public let rawValue: String
        /// The status answered with this code and the key of its texts.
        public let entry: ProblemCatalog.Entry

        /// A code of its own: `rawValue` is not a code of the engine. Its title and detail
        /// are the text catalogue's `problem.<rawValue>.title` and `.detail`.
        init(_ rawValue: String, _ status: HTTPResponse.Status) {
            self.init(rawValue, ProblemCatalog.Entry(status, texts: rawValue))
        }

        /// The answer to the engine's `code` (a ``MarkingError``), with the texts of its wire string.
        init(_ code: MarkingError.Code, _ status: HTTPResponse.Status) {
            self.init(code.rawValue, status)
        }

        /// The answer to the engine's `code`, sharing `entry` with other codes.
        init(_ code: MarkingError.Code, _ entry: ProblemCatalog.Entry) {
            self.init(code.rawValue, entry)
        }

        /// The answer to a reason a scanned code cannot be read, sharing `entry` with the others.
        init(_ code: CodeFormatError.Code, _ entry: ProblemCatalog.Entry) {
            self.init(code.rawValue, entry)
        }

        /// A code of its own sharing `entry` with other codes.
        init(_ rawValue: String, _ entry: ProblemCatalog.Entry) {
            self.rawValue = rawValue
            self.entry = entry
        }

        /// The declared code with the engine's wire string `rawValue`; for one the catalog
        /// does not declare (the test of the catalog forbids it), that string answered
        /// with `internal.error`'s status and texts, so the answer still names it.
        static func answering(_ rawValue: String) -> Code {
            ProblemCatalog.code(rawValue) ?? Code(rawValue, Code.server.internalError.entry)
        }

        /// The HTTP status answered with this code.
        public var status: HTTPResponse.Status { entry.status }

        /// The title and detail in `language`.
        public func text(in language: Language) -> ProblemCatalog.Text { entry.text(in: language) }

        public var description: String { rawValue }

        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }

        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

        /// Encoded as its wire string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        /// Decoded from its wire string; one the catalog does not declare reads as ``answering(_:)`` does.
        public init(from decoder: any Decoder) throws {
            self = .answering(try decoder.singleValueContainer().decode(String.self))
        }
    }
}

extension Problem.Code {
    /// Why a checked code is not genuine, for the `problem` member of a check's answer:
    /// not in the registry, its tail signed with a key this server does not hold, or a
    /// tail that does not match; `nil` for a genuine code.
    init?(problemOf check: CodeCheck) {
        if check.record == nil {
            self = .codes.unknown
        } else if !check.isGenuine {
            switch check.tail {
            case .unknownKey: self = .server.unknownKey
            case .missing: self = .codes.tailMissing
            default: self = .codes.tail
            }
        } else {
            return nil
        }
    }
}
