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

    static func localeIdentifier(_ language: Language) -> String {
        switch language {
        case .kk: "kk_KZ"
        case .ru: "ru_RU"
        case .en: "en_GB"
        }
    }
}
