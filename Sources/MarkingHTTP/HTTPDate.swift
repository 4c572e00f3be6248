import Foundation

/// The `Date` header (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), made
/// once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    mutating func now() -> String {
        let now = Int(Date().timeIntervalSince1970)
        if now != second {
            second = now
            text = Self.format(secondsSince1970: now)
        }
        return text
    }

    static func format(secondsSince1970 seconds: Int) -> String {
        let stamp = JSONAnswer.timestamp(UInt64(seconds) * 1000)  // 2026-11-22T13:09:40.000Z
        let digits = Array(stamp.utf8)
        func number(_ range: Range<Int>) -> Int { Int(String(decoding: digits[range], as: UTF8.self)) ?? 0 }
        let day = days[(seconds / 86_400) % 7]
        let month = months[number(5..<7) - 1]
        return "\(day), \(stamp.dropFirst(8).prefix(2)) \(month) \(stamp.prefix(4)) \(stamp.dropFirst(11).prefix(8)) GMT"
    }
}
