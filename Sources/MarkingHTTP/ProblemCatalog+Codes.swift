import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Problems with a marking code given or scanned, named as in `Problem(.codes.unknown)`.
    public static let codes = ProblemCatalog.CodeProblems()
}

extension ProblemCatalog.Entry {
    /// The one text of every reason a scanned code cannot be read (`problem.code.unreadable`
    /// in the text catalogue; no code has that wire string).
    fileprivate static let unreadable = ProblemCatalog.Entry(.unprocessableContent, texts: "code.unreadable")
}

extension ProblemCatalog {
    /// Problems with a marking code given or scanned: one the registry does not know, a
    /// call with too many, and every reason a ``CodeFormatError`` gives for one that
    /// cannot be read (all answered with one text, the error's own detail being more precise).
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct CodeProblems: Sendable {
        public let unknown = Problem.Code(MarkingError.Code.unknownCode, .notFound)
        public let count = Problem.Code("codes.count", .unprocessableContent)
        public let tailMissing = Problem.Code("codes.tail_missing", .unprocessableContent)
        public let empty = Problem.Code(CodeFormatError.Code.empty, .unreadable)
        public let tooLong = Problem.Code(CodeFormatError.Code.tooLong, .unreadable)
        public let expectedAI = Problem.Code(CodeFormatError.Code.expectedAI, .unreadable)
        public let gtinDigits = Problem.Code(CodeFormatError.Code.gtinDigits, .unreadable)
        public let gtinCheckDigit = Problem.Code(CodeFormatError.Code.gtinCheckDigit, .unreadable)
        public let serialCharacter = Problem.Code(CodeFormatError.Code.serialCharacter, .unreadable)
        public let serialLength = Problem.Code(CodeFormatError.Code.serialLength, .unreadable)
        public let expectedSeparator = Problem.Code(CodeFormatError.Code.expectedSeparator, .unreadable)
        public let keyID = Problem.Code(CodeFormatError.Code.keyID, .unreadable)
        public let tail = Problem.Code(CodeFormatError.Code.tail, .unreadable)
        public let trailingData = Problem.Code(CodeFormatError.Code.trailingData, .unreadable)
    }
}
