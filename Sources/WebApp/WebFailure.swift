import Hummingbird
import MarkingHTTP

/// What the web application refuses on its own, besides the API's ``Problem`` codes:
/// each with its status and its text key in the catalogues. None is a 5xx: bad input
/// is answered as bad input.
enum WebFailure: Error, Sendable, Equatable {
    /// A post without the session's form token, or from another origin: nothing changes.
    case csrf
    /// A cabinet page without a live session.
    case signInNeeded
    case notFound
    case forbidden
    case tooLarge
    /// A form posted with another media type than a form's.
    case formType
    /// A code list file that is neither text nor NDJSON.
    case fileType
    /// A field that must be a whole number.
    case number

    var status: HTTPResponse.Status {
        switch self {
        case .csrf, .forbidden: .forbidden
        case .signInNeeded: .unauthorized
        case .notFound: .notFound
        case .tooLarge: .contentTooLarge
        case .formType, .fileType: .unsupportedMediaType
        case .number: .unprocessableContent
        }
    }

    var textKey: String {
        switch self {
        case .csrf: "error_csrf"
        case .signInNeeded: "error_signin_needed"
        case .notFound: "error_not_found"
        case .forbidden: "error_forbidden"
        case .tooLarge: "error_too_large"
        case .formType, .fileType: "error_file_type"
        case .number: "error_number"
        }
    }
}
