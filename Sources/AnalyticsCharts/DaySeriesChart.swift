/// Counts per day for one or more series (codes emitted, introduced, shipped, retired
/// per day), drawn as grouped bars or as lines over a shared axis, as SVG.
///
/// Accessible: `role="img"` with a `<title>`, a `<desc>` giving each series' total over
/// the period, a legend in text, and a `<title>` per bar or point with its day and
/// count.
public struct DaySeriesChart: Sendable {
    /// How the values are drawn.
    public enum Style: Sendable { case bars, lines }

    /// One series: its name in the legend, its colour, a value per day.
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var values: [Int64]

        public init(name: String, color: String, values: [Int64]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public var id: String
    public var title: String
    /// The label of each day (`2026-12-03`), one per value of every series.
    public var days: [String]
    public var series: [Series]
    public var style: Style

    public init(id: String, title: String, days: [String], series: [Series], style: Style) {
        self.id = id
        self.title = title
        self.days = days
        self.series = series
        self.style = style
    }

    static let width = 720
    static let height = 300
    static let left = 70
    static let right = 10
    static let top = 30
    static let bottom = 40

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let totals = series.map { "\($0.name): \($0.values.reduce(0, +))" }.joined(separator: "; ")
        let period = days.isEmpty ? "" : "\(days.first!) – \(days.last!). "
        var out = SVGMarkup.open(id: id, width: Self.width, height: Self.height, title: title, description: period + totals)
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        // At least 5, so that the five gridlines fall on whole numbers.
        let largest = max(5, series.flatMap(\.values).max() ?? 5)
        let scale = Self.niceCeiling(largest)
        func y(_ value: Int64) -> Double { Double(Self.top) + Double(plotHeight) * (1 - Double(max(0, value)) / Double(scale)) }
        // Axis with five gridlines above zero.
        for step in 0...5 {
            let value = scale * Int64(step) / 5
            let lineY = y(value)
            out += "<line x1=\"\(Self.left)\" y1=\"\(format(lineY))\" x2=\"\(Self.width - Self.right)\" y2=\"\(format(lineY))\" stroke=\"#e2e8f0\"/>"
            out += "<text x=\"\(Self.left - 6)\" y=\"\(format(lineY + 4))\" text-anchor=\"end\" fill=\"#4a5568\">\(SVGMarkup.grouped(value))</text>"
        }
        let count = max(1, days.count)
        let slot = Double(plotWidth) / Double(count)
        // Day labels: at most about eight, evenly spaced.
        let every = max(1, (count + 7) / 8)
        for (index, day) in days.enumerated() where index % every == 0 {
            let x = Double(Self.left) + slot * (Double(index) + 0.5)
            out += "<text x=\"\(format(x))\" y=\"\(Self.height - Self.bottom + 16)\" text-anchor=\"middle\" fill=\"#4a5568\">\(SVGMarkup.escape(day))</text>"
        }
        switch style {
        case .bars: out += bars(slot: slot, y: y)
        case .lines: out += lines(slot: slot, y: y)
        }
        out += legend()
        return out + "</svg>"
    }

    private func bars(slot: Double, y: (Int64) -> Double) -> String {
        var out = ""
        let width = slot * 0.8 / Double(max(1, series.count))
        for (seriesIndex, line) in series.enumerated() {
            let name = SVGMarkup.escape(line.name)
            for (index, value) in line.values.enumerated() where index < days.count && value > 0 {
                let x = Double(Self.left) + slot * (Double(index) + 0.1) + width * Double(seriesIndex)
                let top = y(value)
                out += """
                    <rect x="\(format(x))" y="\(format(top))" width="\(format(width))" height="\(format(Double(Self.height - Self.bottom) - top))" \
                    fill="\(SVGMarkup.escape(line.color))"><title>\(name), \(SVGMarkup.escape(days[index])): \(value)</title></rect>
                    """
            }
        }
        return out
    }

    private func lines(slot: Double, y: (Int64) -> Double) -> String {
        var out = ""
        for line in series {
            let name = SVGMarkup.escape(line.name)
            let points = line.values.prefix(days.count).enumerated().map { index, value in
                "\(format(Double(Self.left) + slot * (Double(index) + 0.5))),\(format(y(value)))"
            }
            out += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(SVGMarkup.escape(line.color))\" stroke-width=\"2\"/>"
            for (index, value) in line.values.prefix(days.count).enumerated() {
                out += """
                    <circle cx="\(format(Double(Self.left) + slot * (Double(index) + 0.5)))" cy="\(format(y(value)))" r="3" \
                    fill="\(SVGMarkup.escape(line.color))"><title>\(name), \(SVGMarkup.escape(days[index])): \(value)</title></circle>
                    """
            }
        }
        return out
    }

    private func legend() -> String {
        var out = ""
        var x = Self.left
        for line in series {
            out += "<rect x=\"\(x)\" y=\"8\" width=\"12\" height=\"12\" fill=\"\(SVGMarkup.escape(line.color))\"/>"
            out += "<text x=\"\(x + 16)\" y=\"18\" fill=\"#1a202c\">\(SVGMarkup.escape(line.name))</text>"
            // About 8 px a character at 12 px: room for Cyrillic, wider than Latin.
            x += 28 + line.name.count * 8
        }
        return out
    }

    /// The smallest 1, 2 or 5 times a power of ten at or above `value`: round gridlines.
    static func niceCeiling(_ value: Int64) -> Int64 {
        var power: Int64 = 1
        while true {
            for factor: Int64 in [1, 2, 5] where factor * power >= value { return factor * power }
            guard power <= Int64.max / 100 else { return value }
            power *= 10
        }
    }

    private func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
