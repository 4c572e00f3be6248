import Foundation
import Hummingbird
import MarkingCore

/// An API error, answered as `application/problem+json` (RFC 9457).
///
/// It carries a stable machine ``code`` (`gtin.check_digit`, `auth.token_invalid`, …);
/// its HTTP status and its title and detail in Kazakh, Russian and English come from
/// ``ProblemCatalog``. An English ``detail`` from the engine, when there is one, is
/// more specific than the catalog's and is used for English answers.
public struct Problem: Error, Sendable, Equatable {
    /// One wrong field of a request body or parameter, by JSON pointer (RFC 6901).
    public struct FieldError: Sendable, Codable, Equatable {
        /// A JSON pointer such as `/quantity`, or the parameter name for query and path values.
        public var pointer: String
        /// The stable code of what is wrong with it.
        public var code: String

        public init(pointer: String, code: String) {
            self.pointer = pointer
            self.code = code
        }
    }

    /// The stable machine-readable code; a key of ``ProblemCatalog``.
    public var code: String
    /// A specific English explanation (never key material or tokens), when known.
    public var detail: String?
    /// The wrong fields, when the problem is about a request's input.
    public var errors: [FieldError]
    /// For codes that cannot be read: the 1-based byte position where reading stopped.
    public var position: Int?
    /// Seconds after which the same request may succeed (`Retry-After`), for a server
    /// too busy to take it now.
    public var retryAfter: Int?

    public init(_ code: String, detail: String? = nil, errors: [FieldError] = [], position: Int? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.detail = detail
        self.errors = errors
        self.position = position
        self.retryAfter = retryAfter
    }

    /// The engine's error, with its stable code; `pointer` names the field it came from.
    public init(_ error: MarkingError, pointer: String? = nil) {
        self.init(error.code.rawValue, detail: error.message, errors: pointer.map { [FieldError(pointer: $0, code: error.code.rawValue)] } ?? [])
    }

    /// A code that could not be read, with where reading stopped.
    public init(_ error: CodeFormatError, pointer: String? = nil) {
        self.init(
            error.code.rawValue, detail: error.description,
            errors: pointer.map { [FieldError(pointer: $0, code: error.code.rawValue)] } ?? [], position: error.position)
    }

    /// The HTTP status of this problem's code.
    public var status: HTTPResponse.Status { ProblemCatalog.entry(for: code).status }

    /// The JSON body in `language`.
    public func body(in language: Language) -> Body {
        let entry = ProblemCatalog.entry(for: code)
        let text = entry.text(in: language)
        let detail = language == .en && entry.status.code < 500 ? (self.detail ?? text.detail) : text.detail
        return Body(
            type: "urn:marking:problem:\(code)", title: text.title, status: entry.status.code, detail: detail, code: code,
            errors: errors.isEmpty ? nil : errors, position: position)
    }

    /// The `application/problem+json` response in `language`.
    public func response(in language: Language) -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json", .contentLanguage: language.rawValue]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let data = (try? JSONEncoder.api.encode(body(in: language))) ?? Data(#"{"code":"internal.error","status":500}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The members of a problem document.
    public struct Body: Codable, Sendable, Equatable {
        public var type: String
        public var title: String
        public var status: Int
        public var detail: String
        public var code: String
        public var errors: [FieldError]?
        public var position: Int?
    }
}

extension JSONEncoder {
    /// The encoder of every API answer: sorted keys, so answers are stable.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
