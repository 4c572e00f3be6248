import CoreMetrics
import Hummingbird

/// Refuses a request whose client is past its rate (``RateLimiter``) with `429
/// request.rate_limited` and `Retry-After`: per token for a request with a bearer
/// token, per IP address for one without.
///
/// It sits inside the metrics middleware, so refusals are counted by route and status
/// (and in `marking_http_rate_limited_total`), and outside the audit middleware, so a
/// flood of refused requests adds no audit lines: a refused request changed nothing.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let anonymous: RateLimiter?
    let token: RateLimiter?
    private let anonymousRefused: CoreMetrics.Counter
    private let tokenRefused: CoreMetrics.Counter

    init(service: MarkingService) {
        anonymous = service.anonymousLimiter
        token = service.tokenLimiter
        anonymousRefused = service.metrics.rateLimitedCounter(scope: "ip")
        tokenRefused = service.metrics.rateLimitedCounter(scope: "token")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let wait = self.wait(request, context) {
            return Self.refusal(wait).response(in: Language(request.headers))
        }
        return try await next(request, context)
    }

    /// The seconds `request`'s client must wait, `nil` when it may go ahead.
    private func wait(_ request: Request, _ context: Context) -> Int? {
        if let secret = MarkingService.bearer(request.headers) {
            guard let token, let wait = token.take(token.key(secret.text)) else { return nil }
            tokenRefused.increment()
            return wait
        }
        guard let anonymous, let wait = anonymous.take(anonymous.key(context.clientIP)) else { return nil }
        anonymousRefused.increment()
        return wait
    }

    /// The answer to a client past its rate.
    static func refusal(_ wait: Int) -> Problem {
        Problem(.request.rateLimited, detail: "too many requests from this client; retry in \(wait) s", retryAfter: wait)
    }
}
