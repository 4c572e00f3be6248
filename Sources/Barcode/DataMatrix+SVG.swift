extension DataMatrix {
    /// The symbol as SVG path data in module units, origin at the top-left module:
    /// one `h` run per horizontal stretch of dark modules, so a 24×24 symbol is a few
    /// hundred bytes. Place it with a `transform` that scales modules to millimetres.
    public var svgPath: String {
        var path = ""
        for row in 0..<rows {
            var column = 0
            while column < columns {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                let start = column
                while column < columns, isDark(row: row, column: column) { column += 1 }
                path += "M\(start) \(row)h\(column - start)v1h-\(column - start)z"
            }
        }
        return path
    }
}
