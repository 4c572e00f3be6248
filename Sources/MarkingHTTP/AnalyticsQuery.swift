import MarkingCore
import OwnershipBatch

/// The parameters of an `/analytics/...` call, checked: whose counts (`participant`
/// or `scope=national`), which days (`from`, `to`, `YYYY-MM-DD`, UTC) and the
/// format (`json` or `csv`).
///
/// A participant sees only its own codes: asking for another participant is
/// `auth.forbidden`, for the nation `auth.admin_only`. The admin sees the nation by
/// default and any participant by id. Read it with
/// ``MarkingService/analyticsQuery(_:caller:)``, which also checks that a participant
/// asked for exists.
public struct AnalyticsQuery: Sendable {
    /// JSON, or a CSV download.
    public enum Format: Sendable { case json, csv }

    /// The longest period of a day series: a year and a leap day.
    public static let maximumDays: UInt32 = 366
    /// The days shown when none are asked for: the last 30, today included.
    public static let defaultDays: UInt32 = 30

    public var scope: AnalyticsScope
    /// The first day of the period (days since 1970-01-01, UTC).
    public var from: UInt32
    /// The last day of the period, included.
    public var to: UInt32
    public var format: Format

    /// Reads `query` for `caller`; `today` is the day a period ends on by default.
    init(_ query: String?, caller: Caller, today: UInt32) throws(Problem) {
        func value(_ name: String) -> String? {
            PercentDecoding.queryValue(name, in: query).map { String(decoding: $0, as: UTF8.self) }
        }
        switch value("format") {
        case nil, "json": format = .json
        case "csv": format = .csv
        default: throw Problem(.analytics.format, detail: "'format' is json or csv", pointer: "format")
        }
        let requested: UInt32?
        if let text = value("participant") {
            guard let id = UInt32(text), id > 0 else {
                throw Problem(.request.parameter, detail: "'participant' must be a participant id", pointer: "participant")
            }
            requested = id
        } else {
            requested = nil
        }
        let national: Bool
        switch value("scope") {
        case nil: national = false
        case "national": national = true
        default: throw Problem(.request.parameter, detail: "'scope' can only be national", pointer: "scope")
        }
        if national, requested != nil {
            throw Problem(.request.parameter, detail: "ask either for one participant or for the nation", pointer: "scope")
        }
        switch (caller, requested) {
        case (.admin, let id?): scope = .participant(id)
        case (.admin, nil): scope = .national
        case (.participant(let participant), let id):
            if national { throw Problem(.auth.adminOnly, detail: "only the admin sees the national counts") }
            if let id, id != participant.id {
                throw Problem(.auth.forbidden, detail: "a participant sees the counts of its own codes only")
            }
            scope = .participant(participant.id)
        }
        to = try Self.day(value("to"), "to") ?? today
        from = try Self.day(value("from"), "from") ?? (to >= Self.defaultDays - 1 ? to - (Self.defaultDays - 1) : 0)
        guard from <= to, to - from < Self.maximumDays else {
            throw Problem(.analytics.range, detail: "'from' must not be after 'to', and the period has at most \(Self.maximumDays) days", pointer: "from")
        }
    }

    private static func day(_ text: String?, _ name: String) throws(Problem) -> UInt32? {
        guard let text else { return nil }
        guard let day = CalendarDate.day(text) else {
            throw Problem(.analytics.date, detail: "'\(name)' must be a date YYYY-MM-DD from 1970 on", pointer: name)
        }
        return day
    }
}
