import AnalyticsCharts
import Barcode
import MarkingCore

/// An A4 sheet of `columns` × `rows` labels: each a GS1 DataMatrix of the full code
/// (FNC1 first, GS separators, ECC 200, encoded by zint) with the readable line
/// `(01)…(21)…` under it, drawn as SVG in millimetres so it prints at true size.
struct LabelSheet: Sendable {
    static let width = 210.0
    static let height = 297.0
    static let margin = 8.0
    /// Sheets hold 1 to 12 columns and 1 to 20 rows, so a symbol stays printable.
    static let columnRange = 1...12
    static let rowRange = 1...20

    let columns: Int
    let rows: Int

    var perSheet: Int { columns * rows }

    /// The sheet's SVG for `codes` (at most ``perSheet``), in reading order.
    func svg(_ codes: [MarkingCode]) throws(BarcodeError) -> String {
        let cellWidth = (Self.width - 2 * Self.margin) / Double(columns)
        let cellHeight = (Self.height - 2 * Self.margin) / Double(rows)
        let textHeight = min(3.0, cellHeight * 0.12)
        let side = min(cellWidth - 4, cellHeight - textHeight - 4, 60)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="sheet" width="210mm" height="297mm" viewBox="0 0 210 297" role="img">\
            <rect width="210" height="297" fill="#fff"/>
            """
        for (index, code) in codes.prefix(perSheet).enumerated() {
            let symbol = try DataMatrix(gs1: Self.elements(code))
            let column = index % columns, row = index / columns
            let x = Self.margin + Double(column) * cellWidth
            let y = Self.margin + Double(row) * cellHeight
            let module = side / Double(symbol.columns)
            let left = x + (cellWidth - side) / 2
            let top = y + 2
            let line = "(01)\(code.cis.gtin)(21)\(code.cis.serial)"
            let fontSize = min(textHeight * 0.8, (cellWidth - 2) / (Double(line.count) * 0.62))
            svg += "<g class=\"label\" data-code=\"\(SVGMarkup.escape(code.formatted(separator: "\u{1D}").replacingOccurrences(of: "\u{1D}", with: "<GS>")))\">"
            // The cell's white ground is the symbol's quiet zone (at least one module).
            svg += "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(cellWidth))\" height=\"\(Self.number(cellHeight))\" fill=\"#fff\"/>"
            svg += "<path shape-rendering=\"crispEdges\" transform=\"translate(\(Self.number(left)) \(Self.number(top))) scale(\(Self.number(module)))\" d=\"\(symbol.svgPath)\" fill=\"none\" stroke=\"#000\" stroke-width=\"1\"/>"
            svg += "<text x=\"\(Self.number(x + cellWidth / 2))\" y=\"\(Self.number(top + side + textHeight))\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"\(Self.number(fontSize))\" text-anchor=\"middle\">\(SVGMarkup.escape(line))</text></g>"
        }
        return svg + "</svg>"
    }

    /// The code's GS1 elements as zint takes them.
    static func elements(_ code: MarkingCode) -> [(ai: String, value: String)] {
        var elements: [(ai: String, value: String)] = [("01", code.cis.gtin.description), ("21", code.cis.serial.description)]
        if let keyID = code.keyID { elements.append(("91", keyID)) }
        if let tail = code.tail {
            elements.append((code.tailKind == .shortMAC ? "93" : "92", tail))
        }
        return elements
    }

    /// Millimetres with two decimals, enough for a printer.
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
