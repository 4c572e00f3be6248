import Hummingbird
import Texts

/// Every problem code the API answers, with its status; its Kazakh, Russian and
/// English title and detail are in the text catalogue (``Texts/TextCatalogue``, keys
/// `problem.<code>.title` and `.detail`), resolved once per process (``checkTexts()``).
///
/// Codes are stable: programs branch on them, people read the title and detail. Each
/// code is declared once, as a stored property of its area (``RequestProblems``,
/// ``AuthProblems``, ``DocumentProblems``, … in the `ProblemCatalog+Area.swift` files)
/// reached from ``Problem/Code`` (`.documents.receiverUnknown`). The catalog reads the
/// areas' stored properties, so it finds a code by its wire string (the engine's
/// ``MarkingCore/MarkingError`` and ``MarkingCore/CodeFormatError`` codes arrive as
/// strings) and lists every code for the tests, without a second list of codes to keep
/// in step. A wire string it does not declare is answered with `internal.error`'s status
/// and texts, so a missing code shows up in tests rather than as an empty answer.
public enum ProblemCatalog {
    /// A title and a detail in one language.
    public struct Text: Sendable {
        public var title: String
        public var detail: String
    }

    /// The status of a code and the key of its texts: what a problem document says
    /// besides the code.
    public struct Entry: Sendable {
        public var status: HTTPResponse.Status
        /// The key of the title and detail in the text catalogue:
        /// `problem.<textKey>.title` and `problem.<textKey>.detail`. A code's own wire
        /// string, or a text shared by several codes (`internal.error`, `code.unreadable`).
        public var textKey: String

        init(_ status: HTTPResponse.Status, texts textKey: String) {
            self.status = status
            self.textKey = textKey
        }

        /// The text in `language`, resolved once per process (``ProblemTexts``).
        public func text(in language: Language) -> Text {
            ProblemTexts.text(of: textKey, in: language)
        }
    }

    /// The areas whose stored properties are the codes: adding an area means adding it here.
    static let areas: [any Sendable] = [
        Problem.Code.request, Problem.Code.server, Problem.Code.auth, Problem.Code.participants, Problem.Code.codes,
        Problem.Code.orders, Problem.Code.products, Problem.Code.documents, Problem.Code.violations,
        Problem.Code.analytics,
    ]

    /// Every declared code, area by area in declaration order, read from the areas'
    /// stored properties. Wire strings are unique (a test checks it).
    public static let all: [Problem.Code] = areas.flatMap { area in
        Mirror(reflecting: area).children.compactMap { $0.value as? Problem.Code }
    }

    /// The declared codes by wire string; the first declaration wins should two share one.
    private static let byRawValue: [String: Problem.Code] = Dictionary(all.map { ($0.rawValue, $0) }, uniquingKeysWith: { first, _ in first })

    /// The declared code whose wire string is `rawValue`, if any.
    public static func code(_ rawValue: String) -> Problem.Code? {
        byRawValue[rawValue]
    }

    /// The entry of `code`; `internal.error`'s for codes not in the catalog.
    public static func entry(for code: String) -> Entry {
        Problem.Code.answering(code).entry
    }

    /// Every known code's wire string, sorted.
    public static var codes: [String] { byRawValue.keys.sorted() }
}
