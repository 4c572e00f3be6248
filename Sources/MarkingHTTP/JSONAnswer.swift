import Foundation
import Hummingbird
import OwnershipBatch

/// A JSON response: `application/json`, keys sorted.
enum JSONAnswer {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let data = try JSONEncoder.api.encode(value)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Milliseconds since 1970 as ISO 8601 UTC with milliseconds
    /// (`2026-11-22T13:09:40.140Z`).
    ///
    /// Whole-number arithmetic on the civil calendar rather than a `Date` through
    /// `ISO8601FormatStyle`: exact (no millisecond lost to a `Double`), and about a
    /// hundred times cheaper, which counts on the public check, whose every answer and
    /// audit line carries a time.
    static func timestamp(_ milliseconds: UInt64) -> String {
        var text = [UInt8](repeating: 0, count: 24)
        text.withUnsafeMutableBufferPointer { writeTimestamp(milliseconds, to: $0.baseAddress!) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Writes the 24 bytes of ``timestamp(_:)`` to `output`.
    static func writeTimestamp(_ milliseconds: UInt64, to output: UnsafeMutablePointer<UInt8>) {
        let millisecond = Int(milliseconds % 1000)
        let seconds = Int(milliseconds / 1000)
        let days = seconds / 86_400
        let daySecond = seconds % 86_400
        let (year, month, day) = CalendarDate.civil(day: days)
        func digits(_ value: Int, _ count: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + count - 1, through: offset, by: -1) {
                output[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        digits(year, 4, at: 0)
        output[4] = UInt8(ascii: "-")
        digits(month, 2, at: 5)
        output[7] = UInt8(ascii: "-")
        digits(day, 2, at: 8)
        output[10] = UInt8(ascii: "T")
        digits(daySecond / 3600, 2, at: 11)
        output[13] = UInt8(ascii: ":")
        digits(daySecond / 60 % 60, 2, at: 14)
        output[16] = UInt8(ascii: ":")
        digits(daySecond % 60, 2, at: 17)
        output[19] = UInt8(ascii: ".")
        digits(millisecond, 3, at: 20)
        output[23] = UInt8(ascii: "Z")
    }
}

/// Path parameters that must be whole numbers.
extension Parameters {
    /// The parameter `name` as an unsigned integer; `request.parameter` otherwise.
    func number<T: FixedWidthInteger & UnsignedInteger>(_ name: String, as type: T.Type = T.self) throws(Problem) -> T {
        guard let text = get(name), let value = T(text) else {
            throw Problem(.request.parameter, detail: "'\(name)' must be a whole number", pointer: name)
        }
        return value
    }
}
