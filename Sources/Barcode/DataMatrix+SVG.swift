extension DataMatrix {
    /// The symbol as SVG path data in module units, to be stroked with width 1: one
    /// subpath per row along its middle (`M0 r.5`), then each run of dark modules as a
    /// relative move and a horizontal line (`m2 0h3`). A 40×40 symbol is about 2 KB,
    /// so a sheet of 40 labels stays far below a page's 200 KB. Place it with a
    /// `transform` that scales modules to millimetres (the stroke scales with it).
    public var svgPath: String {
        var path = ""
        for row in 0..<rows {
            var pen = 0
            var column = 0
            var started = false
            while column < columns {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                let start = column
                while column < columns, isDark(row: row, column: column) { column += 1 }
                if !started {
                    path += "M0 \(row).5"
                    started = true
                }
                path += "m\(start - pen) 0h\(column - start)"
                pen = column
            }
        }
        return path
    }
}
