import Foundation
import Hummingbird
import MarkingCore

/// An API error, answered as `application/problem+json` (RFC 9457).
///
/// It carries a stable machine ``code`` (`gtin.check_digit`, `auth.token_invalid`, …),
/// a ``Code`` declared once in ``ProblemCatalog`` with its HTTP status (its title and
/// detail in Kazakh, Russian and English are the text catalogue's), so a route names
/// `.participants.tokenLimit` and cannot misspell a code. An English ``detail`` from
/// the engine, when there is one, is more specific than the catalog's and is used for
/// English answers.
public struct Problem: Error, Sendable, Equatable {
    /// One wrong field of a request body or parameter, by JSON pointer (RFC 6901).
    public struct FieldError: Sendable, Codable, Equatable {
        /// A JSON pointer such as `/quantity`, or the parameter name for query and path values.
        public var pointer: String
        /// The stable code of what is wrong with it.
        public var code: Code

        public init(pointer: String, code: Code) {
            self.pointer = pointer
            self.code = code
        }
    }

    /// The stable machine-readable code, with its status and the key of its texts.
    public var code: Code
    /// A specific English explanation (never key material or tokens), when known.
    public var detail: String?
    /// The wrong fields, when the problem is about a request's input.
    public var errors: [FieldError]
    /// For codes that cannot be read: the 1-based byte position where reading stopped.
    public var position: Int?
    /// Seconds after which the same request may succeed (`Retry-After`), for a server
    /// too busy to take it now.
    public var retryAfter: Int?

    public init(_ code: Code, detail: String? = nil, errors: [FieldError] = [], position: Int? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.detail = detail
        self.errors = errors
        self.position = position
        self.retryAfter = retryAfter
    }

    /// A problem with one wrong field: `pointer` names it and carries the same code.
    public init(_ code: Code, detail: String? = nil, pointer: String) {
        self.init(code, detail: detail, errors: [FieldError(pointer: pointer, code: code)])
    }

    /// The engine's error, with its stable code; `pointer` names the field it came from.
    public init(_ error: MarkingError, pointer: String? = nil) {
        let code = Code.answering(error.code.rawValue)
        self.init(
            code, detail: error.message, errors: pointer.map { [FieldError(pointer: $0, code: code)] } ?? [],
            retryAfter: code.status == .serviceUnavailable ? Self.unavailableRetrySeconds : nil)
    }

    /// What a 503 from the engine (its log electing a leader) asks a client to wait.
    public static let unavailableRetrySeconds = 1

    /// A code that could not be read, with where reading stopped.
    public init(_ error: CodeFormatError, pointer: String? = nil) {
        let code = Code.answering(error.code.rawValue)
        self.init(
            code, detail: error.description, errors: pointer.map { [FieldError(pointer: $0, code: code)] } ?? [],
            position: error.position)
    }

    /// The HTTP status of this problem's code.
    public var status: HTTPResponse.Status { code.status }

    /// The JSON body in `language`.
    public func body(in language: Language) -> Body {
        let text = code.entry.text(in: language)
        let detail = language == .en && status.code < 500 ? (self.detail ?? text.detail) : text.detail
        return Body(
            type: "urn:marking:problem:\(code.rawValue)", title: text.title, status: status.code, detail: detail, code: code.rawValue,
            errors: errors.isEmpty ? nil : errors, position: position)
    }

    /// The `application/problem+json` response in `language`.
    public func response(in language: Language) -> Response {
        Response(status: status, headers: headers(in: language), body: ResponseBody(byteBuffer: encodedBody(in: language)))
    }

    /// The headers of ``response(in:)``, without its length: also written by the
    /// channel handlers that answer before the router (``RequestGuardHandler``).
    func headers(in language: Language) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/problem+json", .contentLanguage: language.rawValue]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return headers
    }

    /// The JSON body of ``response(in:)``.
    func encodedBody(in language: Language) -> ByteBuffer {
        let data = (try? JSONEncoder.api.encode(body(in: language))) ?? Data(#"{"code":"\#(Code.server.internalError.rawValue)","status":500}"#.utf8)
        return ByteBuffer(bytes: data)
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
