import Foundation
import MarkingHTTP

/// Dates shown in the chosen language: day and month names from the locale's own
/// data (ICU), times in UTC as the footer says.
enum WebDates {
    /// A moment in milliseconds since 1970 UTC, e.g. "3 дек. 2026 г., 02:45".
    static func format(milliseconds: UInt64, in language: Language) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: localeIdentifier(language))
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateStyle = .medium
        formatter.timeStyle = .short
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// Calendar days given as `YYYY-MM-DD` (the analytics API's and the date inputs'
    /// form), written in `language` with the locale's own pattern for `template`
    /// (`"dMMMy"`: "5 Jan 2026", "5 янв. 2026 г."); a string that is not such a day is
    /// kept as it is.
    static func days(_ isoDays: [String], in language: Language, template: String = "dMMMy") -> [String] {
        let reader = DateFormatter()
        reader.locale = Locale(identifier: "en_US_POSIX")
        reader.timeZone = TimeZone(identifier: "UTC")
        reader.dateFormat = "yyyy-MM-dd"
        let writer = DateFormatter()
        writer.locale = Locale(identifier: localeIdentifier(language))
        writer.timeZone = TimeZone(identifier: "UTC")
        writer.setLocalizedDateFormatFromTemplate(template)
        return isoDays.map { day in reader.date(from: day).map(writer.string(from:)) ?? day }
    }

    static func localeIdentifier(_ language: Language) -> String {
        switch language {
        case .kk: "kk_KZ"
        case .ru: "ru_RU"
        case .en: "en_GB"
        }
    }
}
