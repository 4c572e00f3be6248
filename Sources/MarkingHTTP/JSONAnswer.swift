import Foundation
import Hummingbird

/// A JSON response: `application/json`, keys sorted.
enum JSONAnswer {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let data = try JSONEncoder.api.encode(value)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Milliseconds since 1970 as ISO 8601 UTC with milliseconds.
    static func timestamp(_ milliseconds: UInt64) -> String {
        // Half a millisecond's tenth on top: the formatter truncates, and a Double of
        // milliseconds / 1000 often lies just below the true value (.902 read as .901).
        Date(timeIntervalSince1970: Double(milliseconds) / 1000 + 0.00005)
            .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Path parameters that must be whole numbers.
extension Parameters {
    /// The parameter `name` as an unsigned integer; `request.parameter` otherwise.
    func number<T: FixedWidthInteger & UnsignedInteger>(_ name: String, as type: T.Type = T.self) throws(Problem) -> T {
        guard let text = get(name), let value = T(text) else {
            throw Problem("request.parameter", detail: "'\(name)' must be a whole number", errors: [.init(pointer: name, code: "request.parameter")])
        }
        return value
    }
}
