/// A horizontal bar per category (codes per status, per participant): the label, a
/// bar as long as its share of the largest value, and the count, as SVG.
///
/// Accessible: `role="img"` with a `<title>` and a `<desc>` that states every value in
/// words, and each bar carries its own `<title>` (a tooltip, read by screen readers).
public struct BreakdownChart: Sendable {
    /// One category.
    public struct Item: Sendable {
        public var label: String
        public var value: Int64
        /// A CSS colour (`#2b6cb0`).
        public var color: String

        public init(label: String, value: Int64, color: String) {
            self.label = label
            self.value = value
            self.color = color
        }
    }

    public var id: String
    public var title: String
    public var items: [Item]
    /// Said in `<desc>` when there is nothing to draw.
    public var emptyText: String

    public init(id: String, title: String, items: [Item], emptyText: String) {
        self.id = id
        self.title = title
        self.items = items
        self.emptyText = emptyText
    }

    static let width = 640
    static let rowHeight = 26
    // Room for the longest status name of the three catalogues ("Шығарылған, әлі басылмаған").
    static let labelWidth = 240
    static let valueWidth = 110

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let description = items.isEmpty ? emptyText : items.map { "\($0.label): \($0.value)" }.joined(separator: "; ")
        let height = max(1, items.count) * Self.rowHeight + 8
        var out = SVGMarkup.open(id: id, width: Self.width, height: height, title: title, description: description)
        let largest = max(1, items.map(\.value).max() ?? 1)
        let barSpace = Self.width - Self.labelWidth - Self.valueWidth
        for (index, item) in items.enumerated() {
            let y = 4 + index * Self.rowHeight
            let length = item.value <= 0 ? 0 : max(1, Int(Double(barSpace) * Double(item.value) / Double(largest)))
            let label = SVGMarkup.escape(item.label)
            out += """
                <g><title>\(label): \(item.value)</title>\
                <text x="\(Self.labelWidth - 8)" y="\(y + 17)" text-anchor="end" fill="#1a202c">\(label)</text>\
                <rect x="\(Self.labelWidth)" y="\(y + 4)" width="\(length)" height="\(Self.rowHeight - 8)" fill="\(SVGMarkup.escape(item.color))"/>\
                <text x="\(Self.labelWidth + length + 6)" y="\(y + 17)" fill="#1a202c">\(SVGMarkup.grouped(item.value))</text></g>
                """
        }
        if items.isEmpty {
            out += "<text x=\"\(Self.width / 2)\" y=\"20\" text-anchor=\"middle\" fill=\"#4a5568\">\(SVGMarkup.escape(emptyText))</text>"
        }
        return out + "</svg>"
    }
}
