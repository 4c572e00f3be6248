import MarkingCore

/// The one check of a document's dates (`date`, `customsDeclarationDate`,
/// `productionDate`), shared by the engine, `POST /documents` and `marking-server job`,
/// so that no door lets a date through that another refuses.
///
/// A date is stored as the text it was sent in and shown back on the document and on
/// the last-document line of a code check; anything but a real calendar day
/// `YYYY-MM-DD` would reach those answers and every report built on them.
extension DocumentRequest {
    /// Passes when every date field that is set is a calendar date `YYYY-MM-DD`;
    /// `input.invalid` naming the first that is not.
    public func validateDates() throws(MarkingError) {
        for (name, value) in [("date", date), ("customsDeclarationDate", customsDeclarationDate), ("productionDate", productionDate)] {
            try Self.validateDate(value, field: name)
        }
    }

    /// Passes for `nil` and for a calendar date `YYYY-MM-DD` that exists;
    /// `input.invalid` naming `field` otherwise.
    public static func validateDate(_ value: String?, field: String) throws(MarkingError) {
        guard let value, !CalendarDate.isValid(value) else { return }
        throw MarkingError(.invalidInput, "\(field) '\(value)' is not a calendar date YYYY-MM-DD", field: .init(field, .documentDate))
    }
}

/// Dates as the API and the documents take them: `YYYY-MM-DD`, Gregorian.
public enum CalendarDate {
    /// Whether `text` is exactly `YYYY-MM-DD` (ASCII digits, years 0001 to 9999) and
    /// names a day that exists: `2028-02-29` does, `2026-02-29` and `2026-04-31` do not.
    /// Plain arithmetic, not `Calendar`, so the answer cannot depend on a time zone or
    /// a locale.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              year >= 1, (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }
}
