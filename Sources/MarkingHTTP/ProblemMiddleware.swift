import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error a route throws into an `application/problem+json` answer in the
/// language of the request's `Accept-Language`: ``Problem``s as they are, the
/// router's own errors (no such route, body too large) and the parser's (a malformed
/// body, see ``RequestGuardHandler``) by their status, and anything
/// else as `internal.error` (500), logged without the request's headers.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            }
            return problem.response(in: Language(request.headers))
        }
    }

    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPParserError:
            return RequestGuardHandler.problem(for: error)
        case is NIOTooManyBytesError:
            return Problem(.request.tooLarge)
        case let error as HTTPError:
            switch error.status {
            case .notFound, .methodNotAllowed: return Problem(.request.unknownRoute)
            case .contentTooLarge: return Problem(.request.tooLarge)
            case .unauthorized: return Problem(.auth.tokenMissing)
            default: return error.status.code < 500 ? Problem(.request.parameter) : Problem(.server.internalError)
            }
        default:
            return Problem(.server.internalError)
        }
    }
}
