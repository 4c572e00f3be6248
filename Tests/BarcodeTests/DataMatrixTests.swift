import Barcode
import Testing

@Suite("GS1 DataMatrix through zint")
struct DataMatrixTests {
    @Test("A marking code encodes to a square ECC 200 symbol whose finder pattern is in place")
    func encodesSquareSymbol() throws {
        let symbol = try DataMatrix(gs1: [("01", "04600000000017"), ("21", "abc<(>"), ("91", "EE07"), ("92", "dGVzdA==")])
        #expect(symbol.rows == symbol.columns)
        #expect(symbol.rows >= 18)
        // The L-shaped finder: left column and bottom row all dark.
        #expect((0..<symbol.rows).allSatisfy { symbol.isDark(row: $0, column: 0) })
        #expect((0..<symbol.columns).allSatisfy { symbol.isDark(row: symbol.rows - 1, column: $0) })
        // The clock track on top alternates.
        #expect(symbol.isDark(row: 0, column: 0) && !symbol.isDark(row: 0, column: 1))
    }

    @Test("Data that is no GS1 element string is refused with a reason, never encoded")
    func refusesMalformedData() {
        #expect(throws: BarcodeError.self) { try DataMatrix(gs1: [("01", "04600000000017"), ("21", "a[b")]) }
        #expect(throws: BarcodeError.self) { try DataMatrix(gs1: [("0A", "04600000000017")]) }
        #expect(throws: BarcodeError.self) { try DataMatrix(gs1: [("01", "0460000000")]) }
        let tooMuch = String(repeating: "9", count: 4000)
        #expect(throws: BarcodeError.self) { try DataMatrix(gs1: [("01", "04600000000017"), ("21", tooMuch)]) }
    }

    @Test("Two codes that differ in one serial character make different symbols")
    func differentCodesDifferentSymbols() throws {
        let first = try DataMatrix(gs1: [("01", "04600000000017"), ("21", "abcdefghijklm")])
        let second = try DataMatrix(gs1: [("01", "04600000000017"), ("21", "abcdefghijkln")])
        #expect(first.dark != second.dark)
        #expect(first.svgPath.hasPrefix("M0 0.5m0 0h1"))
    }
}
