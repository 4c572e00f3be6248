import CoreMetrics
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The rate limit of the anonymous checks ``PublicCheckHandler`` answers in the
/// pipeline: the same per-address ``RateLimiter`` as ``RateLimitMiddleware``, the same
/// `429` answer, counted the same way.
///
/// A check is charged only once it is known to be answered here: one that goes on to
/// the router is charged there, and must not be charged twice.
struct PipelineRateLimit: Sendable {
    let limiter: RateLimiter
    private let refused: CoreMetrics.Counter
    /// The metrics of the two routes, status 429.
    private let recorders: [String: APIMetrics.RequestRecorder]

    init(limiter: RateLimiter, metrics: APIMetrics, routes: [String]) {
        self.limiter = limiter
        refused = metrics.rateLimitedCounter(scope: "ip")
        recorders = Dictionary(uniqueKeysWithValues: routes.map { ($0, metrics.recorder(method: "GET", route: $0, status: 429)) })
    }

    /// Takes the check from client `key`'s bucket; when the client is past its rate,
    /// answers `429` through `handler` and returns `true`.
    func refuse<Handler: ChannelOutboundHandler>(
        _ handler: Handler, _ context: ChannelHandlerContext, request: HTTPRequest, route: String, key: UInt64, serverName: String,
        started: ContinuousClock.Instant
    ) -> Bool where Handler.OutboundOut == HTTPResponsePart {
        guard let wait = limiter.take(key) else { return false }
        refused.increment()
        RateLimitMiddleware.refusal(wait).write(
            through: handler, context: context, language: Language(request.headerFields), serverName: serverName, close: false)
        let elapsed = ContinuousClock.now - started
        recorders[route]?.record(nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return true
    }
}
