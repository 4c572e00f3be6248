import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Problems with a request's body, parameters, size, pace or address, named as in `Problem(.request.malformedJSON)`.
    public static let request = ProblemCatalog.RequestProblems()
}

extension ProblemCatalog {
    /// Problems with a request as such, before its meaning: its body, its parameters, its
    /// size and pace, its address, and a value the engine finds unacceptable.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct RequestProblems: Sendable {
        public let malformedJSON = Problem.Code("request.malformed_json", .badRequest)
        public let unknownField = Problem.Code("request.unknown_field", .badRequest)
        public let wrongType = Problem.Code("request.wrong_type", .badRequest)
        public let missingField = Problem.Code("request.missing_field", .badRequest)
        public let parameter = Problem.Code("request.parameter", .badRequest)
        public let tooLarge = Problem.Code("request.too_large", .contentTooLarge)
        public let timeout = Problem.Code("request.timeout", .requestTimeout)
        public let busy = Problem.Code("request.busy", .tooManyRequests)
        /// Anything the HTTP/1.1 parser refuses while reading a request: a bad request
        /// line, a chunk size that is not hexadecimal, two different `Content-Length`s,
        /// `Content-Length` beside `Transfer-Encoding: chunked`, a body cut off by the
        /// end of the connection, bytes that are not a request after one.
        public let malformedHTTP = Problem.Code("request.malformed_http", .badRequest)
        /// A request head larger than the parser's limits.
        public let headersTooLarge = Problem.Code("request.headers_too_large", .requestHeaderFieldsTooLarge)
        /// A body that did not arrive in full within the time allowed for a body.
        public let bodyTimeout = Problem.Code("request.body_timeout", .requestTimeout)
        /// A client (an address without a token, or a token) past its request rate.
        public let rateLimited = Problem.Code("request.rate_limited", .tooManyRequests)
        public let ndjsonLine = Problem.Code("request.ndjson_line", .badRequest)
        public let mediaType = Problem.Code("request.media_type", .unsupportedMediaType)
        public let unknownRoute = Problem.Code("route.unknown", .notFound)
        public let invalidInput = Problem.Code(MarkingError.Code.invalidInput, .unprocessableContent)
    }
}
