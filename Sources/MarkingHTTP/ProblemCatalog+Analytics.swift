import Hummingbird

extension Problem.Code {
    /// Problems with analytics queries, named as in `Problem(.analytics.date)`.
    public static let analytics = ProblemCatalog.AnalyticsProblems()
}

extension ProblemCatalog {
    /// Problems with a query of the analytics counts (`/analytics/...`).
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct AnalyticsProblems: Sendable {
        public let date = Problem.Code("analytics.date", .badRequest)
        public let range = Problem.Code("analytics.range", .badRequest)
        public let format = Problem.Code("analytics.format", .badRequest)
    }
}
