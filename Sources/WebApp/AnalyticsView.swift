import AnalyticsCharts
import MarkingCore
import MarkingHTTP
import Texts

/// What the analytics page shows of one ``MarkingHTTP/AnalyticsReport/Summary``, as
/// the values of the `analytics` template: the scope, the total, the two charts
/// (codes by status, events per day) drawn as SVG on the server, the GTIN table, for
/// the admin the participants' table, and the CSV links of the same filters. Every
/// text comes from the language's catalogue.
struct AnalyticsView {
    let summary: AnalyticsReport.Summary
    let catalogue: TextCatalogue
    let language: Language
    /// The name of the participant whose codes are shown; `nil`: the nation's.
    var scopeName: String?
    /// The admin's page: a choice of participant, and on the nation's page their table.
    var isAdmin = false
    /// Every participant that owns codes (the admin's page).
    var participants: [AnalyticsReport.ParticipantRow] = []

    /// The colour of each status's bar.
    static let statusColors: [CodeStatus: String] = [
        .emitted: "#4a5568", .applied: "#2b6cb0", .introduced: "#0b6e4f", .retired: "#8a5a00", .writtenOff: "#b00020",
    ]
    /// The events a day chart shows, with their colours: the four of decree App. 3 C11–C12.
    static let chartedEvents: [(AnalyticsEvent, key: String, color: String)] = [
        (.emitted, "analytics_event_emitted", "#4a5568"), (.introduced, "analytics_event_introduced", "#0b6e4f"),
        (.shipped, "analytics_event_shipped", "#2b6cb0"), (.retired, "analytics_event_retired", "#8a5a00"),
    ]

    private func text(_ key: String) -> String { catalogue.text(key, language) }

    private func statusName(_ status: CodeStatus) -> String { text("status_" + status.name) }

    var values: [String: Any] {
        let statusItems = CodeStatus.allCases.map { status in
            BreakdownChart.Item(label: statusName(status), value: summary.statuses[status.name] ?? 0, color: Self.statusColors[status]!)
        }
        let days = DaySeriesChart(
            id: "analytics-days", title: text("analytics_per_day"), days: WebDates.days(summary.days.map(\.date), in: language, template: "dMMM"),
            series: Self.chartedEvents.map { event, key, color in
                DaySeriesChart.Series(name: text(key), color: color, values: summary.days.map { $0.events[event.name] ?? 0 })
            },
            style: .bars)
        let statuses = BreakdownChart(id: "analytics-status", title: text("analytics_by_status"), items: statusItems, emptyText: text("analytics_nothing"))
        var values: [String: Any] = [
            "scope": scopeName.map { catalogue.text("analytics_scope_participant", language, $0) } ?? text("analytics_national"),
            "total": summary.total,
            "period": catalogue.text("analytics_period", language, WebDates.days([summary.from, summary.to], in: language).joined(separator: " – ")),
            "from": summary.from, "to": summary.to,
            "charts": [Self.chart(id: "analytics-status", statuses.title, statuses.svg()), Self.chart(id: "analytics-days", days.title, days.svg())],
            "statusNames": CodeStatus.allCases.map(statusName),
            "columns": CodeStatus.allCases.count + 2,
            "gtins": summary.gtins.map { row -> [String: Any] in
                ["gtin": row.gtin, "counts": Self.counts(row.statuses), "total": row.total]
            },
            "exports": exports(admin: isAdmin),
        ]
        if isAdmin {
            values["choosesParticipant"] = true
            values["participantChoices"] = participants.map { row -> [String: Any] in
                ["id": row.participant, "name": row.name ?? "", "selected": row.participant == summary.participant]
            }
            values["showParticipants"] = summary.scope == "national"
            values["participantRows"] = participants.map { row -> [String: Any] in
                ["id": row.participant, "name": row.name ?? "", "counts": Self.counts(row.statuses), "total": row.total,
                 "href": "/cabinet/analytics?participant=\(row.participant)&from=\(summary.from)&to=\(summary.to)"]
            }
        }
        return values
    }

    /// One chart's section: its heading and its SVG (the template draws every chart
    /// with the same block).
    static func chart(id: String, _ title: String, _ svg: String) -> [String: Any] {
        ["id": id, "title": title, "svg": svg]
    }

    /// Counts per status in the order of the table's columns.
    static func counts(_ statuses: [String: Int64]) -> [Int64] {
        CodeStatus.allCases.map { statuses[$0.name] ?? 0 }
    }

    /// The CSV links of this page's scope and period (the checked ones, so a link
    /// exports what the page shows); the participants' table for the admin only.
    private func exports(admin: Bool) -> [[String: Any]] {
        let parts: [MarkingService.AnalyticsPart] = admin ? [.statuses, .gtins, .days, .participants] : [.statuses, .gtins, .days]
        let whose = admin ? summary.participant.map { "participant=\($0)&" } ?? "" : ""
        let query = "?\(whose)from=\(summary.from)&to=\(summary.to)"
        return parts.map { part in
            ["href": "/cabinet/analytics/\(part.rawValue).csv\(query)", "label": text("analytics_export_" + part.rawValue)]
        }
    }
}
