import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Problems with a marking code given or scanned, named as in `Problem(.codes.unknown)`.
    public static let codes = ProblemCatalog.CodeProblems()
}

extension ProblemCatalog.Entry {
    /// The one text of every reason a scanned code cannot be read.
    fileprivate static let unreadable = ProblemCatalog.Entry(
        .unprocessableContent,
        kk: ("Таңбалау кодын оқу мүмкін емес", "Код GS1 DataMatrix пішіміне сәйкес келмейді: (01) GTIN, (21) сериялық нөмір, (91)/(92) немесе (93) крипто-құйрық."),
        ru: ("Код маркировки не читается", "Код не соответствует формату GS1 DataMatrix: (01) GTIN, (21) серийный номер, (91)/(92) или (93) криптохвост."),
        en: ("The marking code cannot be read", "The code is not a GS1 DataMatrix element string: (01) GTIN, (21) serial, (91)/(92) or (93) crypto tail."))
}

extension ProblemCatalog {
    /// Problems with a marking code given or scanned: one the registry does not know, a
    /// call with too many, and every reason a ``CodeFormatError`` gives for one that
    /// cannot be read (all answered with one text, the error's own detail being more precise).
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct CodeProblems: Sendable {
        public let unknown = Problem.Code(
            MarkingError.Code.unknownCode, .notFound,
            kk: ("Код табылмады", "Бұл код жүйеде тіркелмеген."),
            ru: ("Код не найден", "Этот код не зарегистрирован в системе."),
            en: ("Code not found", "This code is not registered."))
        public let count = Problem.Code(
            "codes.count", .unprocessableContent,
            kk: ("Кодтар саны жарамсыз", "Бір сұрауда 1-ден 1000-ға дейін код болады."),
            ru: ("Недопустимое число кодов", "Один запрос содержит от 1 до 1000 кодов."),
            en: ("Wrong number of codes", "One call holds 1 to 1000 codes."))
        public let tailMissing = Problem.Code(
            "codes.tail_missing", .unprocessableContent,
            kk: ("Крипто-құйрық жоқ", "Код крипто-құйрықсыз жіберілді: оның түпнұсқалығын анықтау мүмкін емес."),
            ru: ("Нет криптохвоста", "Код передан без криптохвоста: подлинность кода установить нельзя."),
            en: ("Crypto tail missing", "The code was sent without its crypto tail: whether it is genuine cannot be told."))
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
