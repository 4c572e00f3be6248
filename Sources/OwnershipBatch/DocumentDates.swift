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

    /// The day `text` names (``isValid(_:)``) as days since 1970-01-01, or `nil` when
    /// it is not a date or is before 1970 (the registry keeps no earlier day).
    public static func day(_ text: String) -> UInt32? {
        guard isValid(text) else { return nil }
        let bytes = Array(text.utf8).map { Int($0) - Int(UInt8(ascii: "0")) }
        let year = bytes[0] * 1000 + bytes[1] * 100 + bytes[2] * 10 + bytes[3]
        let month = bytes[5] * 10 + bytes[6]
        let day = bytes[8] * 10 + bytes[9]
        // Days from the civil date (H. Hinnant's algorithm).
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days >= 0 ? UInt32(days) : nil
    }

    /// The civil date of a day counted since 1970-01-01 (days >= 0), by H. Hinnant's
    /// days-to-civil algorithm: plain arithmetic, no calendar object, as the public
    /// check's timestamps are written on the hot path.
    @inlinable
    public static func civil(day: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = day + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth)
    }

    /// `YYYY-MM-DD` of a day counted since 1970-01-01.
    public static func text(day: UInt32) -> String {
        let (year, month, dayOfMonth) = civil(day: Int(day))
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(dayOfMonth, 2))"
    }
}
