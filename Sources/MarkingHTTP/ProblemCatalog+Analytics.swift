import Hummingbird

extension Problem.Code {
    /// Problems with analytics queries, named as in `Problem(.analytics.date)`.
    public static let analytics = ProblemCatalog.AnalyticsProblems()
}

extension ProblemCatalog {
    /// Problems with a query of the analytics counts (`/analytics/...`).
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct AnalyticsProblems: Sendable {
        public let date = Problem.Code(
            "analytics.date", .badRequest,
            kk: ("Күн жарамсыз", "Күн 1970 жылдан кейінгі ЖЖЖЖ-АА-КК түріндегі нақты күн болуы керек."),
            ru: ("Неверная дата", "Дата должна быть существующим днём в виде ГГГГ-ММ-ДД не ранее 1970 года."),
            en: ("Invalid date", "A date is a day that exists, written YYYY-MM-DD, from 1970 on."))
        public let range = Problem.Code(
            "analytics.range", .badRequest,
            kk: ("Кезең жарамсыз", "Кезеңнің басы соңынан кеш болмауы керек, ал кезең 366 күннен аспауы керек."),
            ru: ("Неверный период", "Начало периода не позже его конца, а период — не длиннее 366 дней."),
            en: ("Invalid period", "A period starts no later than it ends and spans at most 366 days."))
        public let format = Problem.Code(
            "analytics.format", .badRequest,
            kk: ("Пішім белгісіз", "Пішім json немесе csv болуы керек."),
            ru: ("Неизвестный формат", "Формат должен быть json или csv."),
            en: ("Unknown format", "The format is json or csv."))
    }
}
