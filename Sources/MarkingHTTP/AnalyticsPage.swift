import AnalyticsCharts
import MarkingCore

/// A minimal standalone HTML page of one scope's analytics: codes by status, by GTIN
/// and per day, as server-drawn SVG charts and tables, in one language. The web
/// application puts ``html(store:scope:from:to:language:whole:)`` with `whole: false`
/// into its own layout; `GET /analytics/page` serves the whole document.
public enum AnalyticsPage {
    /// The page of `scope` for the days `from`…`to` (days since 1970-01-01, UTC): a
    /// whole HTML document, or only its `<main>` for a page that has its own layout.
    /// Reads the counters only (a few short key scans); blocking, run it off the event loops.
    public static func html(
        store: MarkingStore, scope: AnalyticsScope, from: UInt32, to: UInt32, language: Language, whole: Bool = true
    ) throws(MarkingError) -> String {
        let summary = try AnalyticsReport.summary(store, scope, from: from, to: to)
        return whole ? document(summary, language: language) : body(summary, language: language)
    }

    /// The page's texts in each language.
    struct Texts {
        var title: String
        var national: String
        var participant: String
        var byStatus: String
        var byGTIN: String
        var perDay: String
        var total: String
        var nothing: String
        var gtin: String
        var date: String
        var status: [CodeStatus: String]
        var event: [AnalyticsEvent: String]
    }

    static func texts(_ language: Language) -> Texts {
        switch language {
        case .en:
            Texts(
                title: "Analytics", national: "All codes of the registry", participant: "Codes of participant", byStatus: "Codes by status",
                byGTIN: "Codes by GTIN", perDay: "Codes per day", total: "Total", nothing: "No codes yet", gtin: "GTIN", date: "Date",
                status: [.emitted: "Emitted", .applied: "Applied", .introduced: "Introduced", .retired: "Retired", .writtenOff: "Written off"],
                event: [.emitted: "Emitted", .applied: "Applied", .introduced: "Introduced", .retired: "Retired", .writtenOff: "Written off", .shipped: "Shipped", .received: "Received"])
        case .ru:
            Texts(
                title: "Аналитика", national: "Все коды реестра", participant: "Коды участника", byStatus: "Коды по статусам",
                byGTIN: "Коды по GTIN", perDay: "Коды по дням", total: "Всего", nothing: "Кодов пока нет", gtin: "GTIN", date: "Дата",
                status: [.emitted: "Эмитированы", .applied: "Нанесены", .introduced: "В обороте", .retired: "Выведены из оборота", .writtenOff: "Списаны"],
                event: [.emitted: "Эмитировано", .applied: "Нанесено", .introduced: "Введено в оборот", .retired: "Выведено из оборота", .writtenOff: "Списано", .shipped: "Отгружено", .received: "Получено"])
        case .kk:
            Texts(
                title: "Талдау", national: "Тізілімнің барлық кодтары", participant: "Қатысушының кодтары", byStatus: "Мәртебелер бойынша кодтар",
                byGTIN: "GTIN бойынша кодтар", perDay: "Күндер бойынша кодтар", total: "Барлығы", nothing: "Әзірге кодтар жоқ", gtin: "GTIN", date: "Күні",
                status: [.emitted: "Шығарылған", .applied: "Түсірілген", .introduced: "Айналымда", .retired: "Айналымнан шығарылған", .writtenOff: "Есептен шығарылған"],
                event: [.emitted: "Шығарылды", .applied: "Түсірілді", .introduced: "Айналымға енгізілді", .retired: "Айналымнан шығарылды", .writtenOff: "Есептен шығарылды", .shipped: "Жөнелтілді", .received: "Қабылданды"])
        }
    }

    static let statusColors: [CodeStatus: String] = [
        .emitted: "#718096", .applied: "#3182ce", .introduced: "#2f855a", .retired: "#b7791f", .writtenOff: "#c53030",
    ]
    /// The events a day chart shows: the four of decree App. 3 C11–C12.
    static let chartedEvents: [(AnalyticsEvent, String)] = [
        (.emitted, "#718096"), (.introduced, "#2f855a"), (.shipped, "#3182ce"), (.retired, "#b7791f"),
    ]

    /// The page's content: heading, the status breakdown, the day series and the GTIN table.
    static func body(_ summary: AnalyticsReport.Summary, language: Language) -> String {
        let texts = texts(language)
        let heading = summary.participant.map { "\(texts.participant) \($0)" } ?? texts.national
        let statusItems = CodeStatus.allCases.map { status in
            BreakdownChart.Item(label: texts.status[status]!, value: summary.statuses[status.name] ?? 0, color: statusColors[status]!)
        }
        let statuses = BreakdownChart(id: "analytics-status", title: texts.byStatus, items: statusItems, emptyText: texts.nothing)
        let days = DaySeriesChart(
            id: "analytics-days", title: texts.perDay, days: summary.days.map(\.date),
            series: chartedEvents.map { event, color in
                DaySeriesChart.Series(name: texts.event[event]!, color: color, values: summary.days.map { $0.events[event.name] ?? 0 })
            },
            style: .bars)
        var html = "<main><h1>\(SVGMarkup.escape(texts.title))</h1><p>\(SVGMarkup.escape(heading)) · \(texts.total): \(summary.total)</p>"
        html += "<section><h2>\(SVGMarkup.escape(texts.byStatus))</h2>\(statuses.svg())</section>"
        html += "<section><h2>\(SVGMarkup.escape(texts.perDay))</h2>\(days.svg())</section>"
        html += "<section><h2>\(SVGMarkup.escape(texts.byGTIN))</h2><table><thead><tr><th scope=\"col\">\(texts.gtin)</th>"
        for status in CodeStatus.allCases { html += "<th scope=\"col\">\(SVGMarkup.escape(texts.status[status]!))</th>" }
        html += "<th scope=\"col\">\(SVGMarkup.escape(texts.total))</th></tr></thead><tbody>"
        for row in summary.gtins {
            html += "<tr><th scope=\"row\">\(SVGMarkup.escape(row.gtin))</th>"
            for status in CodeStatus.allCases { html += "<td>\(row.statuses[status.name] ?? 0)</td>" }
            html += "<td>\(row.total)</td></tr>"
        }
        if summary.gtins.isEmpty { html += "<tr><td colspan=\"7\">\(SVGMarkup.escape(texts.nothing))</td></tr>" }
        return html + "</tbody></table></section></main>"
    }

    /// ``body(_:language:)`` as a whole HTML document with its few lines of style.
    static func document(_ summary: AnalyticsReport.Summary, language: Language) -> String {
        """
        <!DOCTYPE html><html lang="\(language.rawValue)"><head><meta charset="utf-8">\
        <meta name="viewport" content="width=device-width, initial-scale=1">\
        <title>\(SVGMarkup.escape(texts(language).title))</title><style>\
        body{font-family:sans-serif;color:#1a202c;max-width:60rem;margin:1rem auto;padding:0 1rem}\
        table{border-collapse:collapse}th,td{border:1px solid #cbd5e0;padding:.25rem .5rem;text-align:right}\
        th[scope=row]{text-align:left}</style></head><body>\(body(summary, language: language))</body></html>
        """
    }
}
