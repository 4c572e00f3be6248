@testable import AnalyticsCharts
import Testing

/// The server-drawn charts are accessible images that show every value given and
/// never let a label become markup.
@Suite("Analytics charts")
struct AnalyticsChartTests {
    @Test("A day series has a title, a description with each series' total, and one bar per non-zero day")
    func daySeries() {
        let chart = DaySeriesChart(
            id: "days", title: "Codes per day", days: ["2026-12-01", "2026-12-02", "2026-12-03"],
            series: [
                .init(name: "Emitted", color: "#718096", values: [5, 0, 1_200]),
                .init(name: "Introduced", color: "#2f855a", values: [0, 3, 0]),
            ],
            style: .bars)
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("role=\"img\" aria-labelledby=\"days-title days-desc\""))
        #expect(svg.contains("<title id=\"days-title\">Codes per day</title>"))
        #expect(svg.contains("<desc id=\"days-desc\">2026-12-01 – 2026-12-03. Emitted: 1205; Introduced: 3</desc>"))
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 3 + 2, "three bars and two legend keys")
        #expect(svg.contains("<title>Emitted, 2026-12-03: 1200</title>"))
        let lines = DaySeriesChart(id: "l", title: "t", days: chart.days, series: chart.series, style: .lines).svg()
        #expect(lines.components(separatedBy: "<polyline ").count - 1 == 2)
        #expect(lines.components(separatedBy: "<circle ").count - 1 == 6)
    }

    @Test("Gridlines fall on round numbers above the largest value")
    func gridlines() {
        #expect(DaySeriesChart.niceCeiling(5) == 5)
        #expect(DaySeriesChart.niceCeiling(1_201) == 2_000)
        #expect(DaySeriesChart.niceCeiling(50_000_001) == 100_000_000)
    }

    @Test("Labels and titles are escaped: a name cannot open an element or close an attribute")
    func escaping() {
        let chart = BreakdownChart(
            id: "x\"><script>", title: "<b>Codes</b>",
            items: [.init(label: "A & B <script>alert(1)</script>", value: 3, color: "red\" onload=\"x")], emptyText: "none")
        let svg = chart.svg()
        #expect(!svg.contains("<script>") && !svg.contains("<b>") && !svg.contains("\" onload"))
        #expect(svg.contains("A &amp; B &lt;script&gt;alert(1)&lt;/script&gt;: 3"))
    }

    @Test("An empty breakdown says so, in its description and in the image")
    func empty() {
        let svg = BreakdownChart(id: "s", title: "Codes by status", items: [], emptyText: "No codes yet").svg()
        #expect(svg.contains("<desc id=\"s-desc\">No codes yet</desc>"))
        #expect(svg.components(separatedBy: "No codes yet").count - 1 == 2)
    }
}
