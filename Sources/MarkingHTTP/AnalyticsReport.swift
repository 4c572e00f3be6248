import Foundation
import MarkingCore
import OwnershipBatch

/// The analytics counts of one scope as the API answers them (JSON) and exports them
/// (CSV): read from the counters the committer keeps (`AnalyticsStorage.swift`), never
/// from the codes, so any of them costs a few short key scans whatever the store's size.
/// The web application's analytics pages show the same values (through
/// ``MarkingService/analyticsSummary(_:)``).
public enum AnalyticsReport {
    /// Codes per status, every status named (0 when none).
    public struct Statuses: Encodable, Sendable {
        public var statuses: [String: Int64]
        public var total: Int64

        init(_ counts: StatusCounts) {
            statuses = Dictionary(uniqueKeysWithValues: CodeStatus.allCases.map { ($0.name, counts[$0]) })
            total = counts.total
        }
    }

    /// The codes of one GTIN.
    public struct GTINRow: Encodable, Sendable {
        public var gtin: String
        public var statuses: [String: Int64]
        public var total: Int64
    }

    /// The events of one day, every event named.
    public struct DayRow: Encodable, Sendable {
        public var date: String
        public var events: [String: Int64]
    }

    /// One participant's codes, for the admin.
    public struct ParticipantRow: Encodable, Sendable {
        public var participant: UInt32
        public var name: String?
        public var statuses: [String: Int64]
        public var total: Int64
    }

    /// Everything an analytics page shows for one scope.
    public struct Summary: Encodable, Sendable {
        public var scope: String
        public var participant: UInt32?
        public var statuses: [String: Int64]
        public var total: Int64
        public var gtins: [GTINRow]
        public var from: String
        public var to: String
        public var days: [DayRow]
    }

    static func scopeName(_ scope: AnalyticsScope) -> (String, UInt32?) {
        switch scope {
        case .national: ("national", nil)
        case .participant(let id): ("participant", id)
        }
    }

    static func gtins(_ store: MarkingStore, _ scope: AnalyticsScope) throws(MarkingError) -> [GTINRow] {
        try store.gtinCounts(scope).map { row in
            let statuses = Statuses(row.counts)
            return GTINRow(gtin: row.gtin.description, statuses: statuses.statuses, total: statuses.total)
        }
    }

    /// Every day of `[from, to]`, days without events included (zeros), so a series
    /// can be drawn as it is.
    static func days(_ store: MarkingStore, _ scope: AnalyticsScope, from: UInt32, to: UInt32) throws(MarkingError) -> [DayRow] {
        let stored = try store.dayCounts(scope, from: from, through: to)
        var byDay: [UInt32: DayCounts] = [:]
        for day in stored { byDay[day.day] = day }
        return (from...to).map { day in
            let counts = byDay[day] ?? DayCounts(day: day, events: [:])
            return DayRow(
                date: CalendarDate.text(day: day),
                events: Dictionary(uniqueKeysWithValues: AnalyticsEvent.allCases.map { ($0.name, counts[$0]) }))
        }
    }

    static func participants(_ store: MarkingStore, _ directory: ParticipantDirectory) throws(MarkingError) -> [ParticipantRow] {
        try store.participantCounts().map { row throws(MarkingError) in
            let statuses = Statuses(row.counts)
            return ParticipantRow(
                participant: row.participant, name: try directory.participant(row.participant)?.name,
                statuses: statuses.statuses, total: statuses.total)
        }
    }

    static func summary(_ store: MarkingStore, _ query: AnalyticsQuery) throws(MarkingError) -> Summary {
        try summary(store, query.scope, from: query.from, to: query.to)
    }

    static func summary(_ store: MarkingStore, _ analytics: AnalyticsScope, from: UInt32, to: UInt32) throws(MarkingError) -> Summary {
        let (scope, participant) = scopeName(analytics)
        let statuses = Statuses(try store.statusCounts(analytics))
        return Summary(
            scope: scope, participant: participant, statuses: statuses.statuses, total: statuses.total,
            gtins: try gtins(store, analytics), from: CalendarDate.text(day: from), to: CalendarDate.text(day: to),
            days: try days(store, analytics, from: from, to: to))
    }
}

/// The CSV exports of ``AnalyticsReport``: a header row, then one row per status,
/// GTIN, day or participant; columns in the order of ``CodeStatus`` and
/// ``AnalyticsEvent``; RFC 4180 quoting for names.
enum AnalyticsCSV {
    static let statusNames = CodeStatus.allCases.map(\.name)
    static let eventNames = AnalyticsEvent.allCases.map(\.name)

    static func statuses(_ value: AnalyticsReport.Statuses) -> String {
        "status,count\r\n" + statusNames.map { "\($0),\(value.statuses[$0] ?? 0)\r\n" }.joined()
    }

    static func gtins(_ rows: [AnalyticsReport.GTINRow]) -> String {
        row(["gtin"] + statusNames + ["total"])
            + rows.map { row([$0.gtin] + counts($0.statuses, statusNames) + ["\($0.total)"]) }.joined()
    }

    static func days(_ rows: [AnalyticsReport.DayRow]) -> String {
        row(["date"] + eventNames) + rows.map { row([$0.date] + counts($0.events, eventNames)) }.joined()
    }

    static func participants(_ rows: [AnalyticsReport.ParticipantRow]) -> String {
        row(["participant", "name"] + statusNames + ["total"])
            + rows.map { row(["\($0.participant)", quoted($0.name ?? "")] + counts($0.statuses, statusNames) + ["\($0.total)"]) }.joined()
    }

    private static func counts(_ values: [String: Int64], _ names: [String]) -> [String] { names.map { "\(values[$0] ?? 0)" } }

    private static func row(_ fields: [String]) -> String { fields.joined(separator: ",") + "\r\n" }

    /// A field in quotes when it holds a comma, quote or line break; a leading `=`,
    /// `+`, `-` or `@` is prefixed with `'` so that a spreadsheet does not run a
    /// participant's name as a formula.
    static func quoted(_ field: String) -> String {
        var field = field
        if let first = field.first, "=+-@".contains(first) { field = "'" + field }
        guard field.contains(where: { ",\"\r\n".contains($0) }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
