import CZint

/// A GS1 DataMatrix symbol (ECC 200, FNC1 first, GS between variable-length elements),
/// encoded by Debian's zint: its dark modules as a grid, so that callers draw it as SVG
/// or raster without touching zint's C types.
public struct DataMatrix: Sendable, Hashable {
    /// Columns of modules (without quiet zone).
    public let columns: Int
    /// Rows of modules (without quiet zone).
    public let rows: Int
    /// `dark[row * columns + column]`: whether that module is dark.
    public let dark: [Bool]

    /// Whether the module at `row`, `column` is dark.
    public func isDark(row: Int, column: Int) -> Bool { dark[row * columns + column] }

    /// Encodes a GS1 element string given as `(AI, value)` pairs, e.g.
    /// `[("01", "04600000000017"), ("21", "abc"), ("91", "EE07"), ("92", "…")]`.
    /// zint places FNC1 first and a GS after each variable-length element but the last.
    public init(gs1 elements: [(ai: String, value: String)]) throws(BarcodeError) {
        var text = ""
        for (ai, value) in elements {
            // zint reads `[AI]value`; a value holding "[" would be misread, and GS1
            // set 82 (serials, tails) has no "[", so this only guards callers' mistakes.
            guard !value.contains("["), !value.contains("]"), ai.allSatisfy(\.isNumber) else {
                throw BarcodeError(code: .invalidData, message: "element (\(ai)) holds a bracket, which GS1 set 82 lacks")
            }
            text += "[\(ai)]\(value)"
        }
        self = try Self.encode(text)
    }

    private static func encode(_ text: String) throws(BarcodeError) -> DataMatrix {
        guard let symbol = ZBarcode_Create() else {
            throw BarcodeError(code: .encoder, message: "zint could not allocate a symbol")
        }
        defer { ZBarcode_Delete(symbol) }
        symbol.pointee.symbology = BARCODE_DATAMATRIX
        symbol.pointee.input_mode = GS1_MODE
        // Square symbols only: what marking regulations and most printers expect.
        symbol.pointee.option_3 = DM_SQUARE
        let bytes = Array(text.utf8)
        let status = bytes.withUnsafeBufferPointer { buffer in
            // zint copies the input; the buffer outlives the call.
            ZBarcode_Encode(symbol, buffer.baseAddress, Int32(buffer.count))
        }
        guard status < ZINT_ERROR else {
            let message = String(cString: marking_zint_error(symbol))
            throw BarcodeError(code: status == ZINT_ERROR_TOO_LONG ? .tooLong : .invalidData, message: message)
        }
        let rows = Int(symbol.pointee.rows)
        let columns = Int(symbol.pointee.width)
        var dark = [Bool](repeating: false, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                dark[row * columns + column] = marking_zint_module(symbol, Int32(row), Int32(column)) != 0
            }
        }
        return DataMatrix(columns: columns, rows: rows, dark: dark)
    }

    private init(columns: Int, rows: Int, dark: [Bool]) {
        self.columns = columns
        self.rows = rows
        self.dark = dark
    }
}

/// Why a symbol could not be encoded.
public struct BarcodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code for each kind of failure.
    public enum Code: String, Sendable {
        case invalidData = "barcode.invalid_data"
        case tooLong = "barcode.too_long"
        case encoder = "barcode.encoder"
    }

    public let code: Code
    public let message: String

    public var description: String { "\(code.rawValue): \(message)" }
}
