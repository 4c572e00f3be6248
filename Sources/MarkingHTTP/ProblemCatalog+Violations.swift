import Hummingbird

extension Problem.Code {
    /// Problems with violation reports, named as in `Problem(.violations.code)`.
    public static let violations = ProblemCatalog.ViolationProblems()
}

extension ProblemCatalog {
    /// Problems with a report of a suspected violation sent by the public.
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct ViolationProblems: Sendable {
        public let code = Problem.Code(
            "violation.code", .unprocessableContent,
            kk: ("Код жарамсыз", "Хабарламада 1-ден 200 байтқа дейінгі код болуы керек."),
            ru: ("Неверный код", "Сообщение должно содержать код длиной от 1 до 200 байт."),
            en: ("Invalid code", "A report carries a code of 1 to 200 bytes."))
        public let text = Problem.Code(
            "violation.text", .unprocessableContent,
            kk: ("Мәтін жарамсыз", "Орын 1-ден 300 таңбаға дейін, түсініктеме 1-ден 2000 таңбаға дейін."),
            ru: ("Недопустимый текст", "Место — от 1 до 300 символов, комментарий — от 1 до 2000 символов."),
            en: ("Invalid text", "A place has 1 to 300 characters, a comment 1 to 2000."))
    }
}
