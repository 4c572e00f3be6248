import Hummingbird

extension Problem.Code {
    /// Problems with violation reports, named as in `Problem(.violations.code)`.
    public static let violations = ProblemCatalog.ViolationProblems()
}

extension ProblemCatalog {
    /// Problems with a report of a suspected violation sent by the public.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct ViolationProblems: Sendable {
        public let code = Problem.Code("violation.code", .unprocessableContent)
        public let text = Problem.Code("violation.text", .unprocessableContent)
    }
}
