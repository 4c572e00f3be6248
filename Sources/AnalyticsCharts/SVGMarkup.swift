/// Text made safe for SVG and HTML markup: the five characters with a meaning in
/// markup become entities, so a participant's name or a GTIN label can never open an
/// element or close an attribute.
public enum SVGMarkup {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The opening of an accessible chart: `role="img"`, labelled by its `<title>` and
    /// described by its `<desc>` (ids from `id`), sized by its view box so it scales.
    static func open(id: String, width: Int, height: Int, title: String, description: String) -> String {
        let id = escape(id)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="100%" \
            role="img" aria-labelledby="\(id)-title \(id)-desc" font-family="sans-serif" font-size="12">\
            <title id="\(id)-title">\(escape(title))</title><desc id="\(id)-desc">\(escape(description))</desc>
            """
    }

    /// A count with thin-space groups of three digits (`12 345 678`), readable in every
    /// language of the interface.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "\u{2009}" }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}
