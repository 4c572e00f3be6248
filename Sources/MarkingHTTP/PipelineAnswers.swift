import HummingbirdCore
import MarkingCore
import NIOCore

/// What the two pipeline stages that answer public checks share: which requests they
/// may answer, the lookup that stays in memory, and an answer's audit line, JSON and
/// metrics, exactly as the router's middlewares would write and count them.
///
/// ``WireCheckHandler`` answers plain requests from the socket's bytes, ahead of the
/// HTTP codec; ``PublicCheckHandler`` answers the rest of what it can after the codec.
/// Both hold one of these, so a check costs and records the same on either.
struct PipelineAnswers: Sendable {
    /// The route templates, as the metrics middleware labels them.
    static let pathRoute = "/api/v1/codes/{code}"
    static let queryRoute = "/api/v1/codes"
    static let healthRoute = "/api/v1/health"
    private static let pathPrefix = "/api/v1/codes/"

    /// What a request the pipeline may answer asks for.
    enum Ask: Equatable {
        /// A public check of the code in `code` (percent-decoded), under `route`.
        case check(code: [UInt8], route: String)
        /// `GET /health` of a server outside a cluster.
        case health
    }

    let check: PublicCheck
    let serverName: String
    /// Whether `/health` is answered in the pipeline: only outside a cluster, where it
    /// is one read of the store (in a cluster it asks the log too, which may block).
    let answersHealth: Bool
    /// The per-address rate limit of the checks answered in the pipeline, `nil` when unlimited.
    let rateLimit: PipelineRateLimit?
    /// The metrics of the routes answered in the pipeline, status 200, resolved once.
    private let checkRecorder: APIMetrics.RequestRecorder
    private let queryRecorder: APIMetrics.RequestRecorder
    private let healthRecorder: APIMetrics.RequestRecorder

    init(service: MarkingService, serverName: String) {
        check = PublicCheck(service: service)
        self.serverName = serverName
        answersHealth = service.replication == nil
        checkRecorder = service.metrics.recorder(method: "GET", route: Self.pathRoute, status: 200)
        queryRecorder = service.metrics.recorder(method: "GET", route: Self.queryRoute, status: 200)
        healthRecorder = service.metrics.recorder(method: "GET", route: Self.healthRoute, status: 200)
        rateLimit = service.anonymousLimiter.map {
            PipelineRateLimit(limiter: $0, metrics: service.metrics, routes: [Self.pathRoute, Self.queryRoute, Self.healthRoute])
        }
    }

    var service: MarkingService { check.service }

    /// Who a connection's requests come from: the address its audit lines name, and
    /// that address's key in the rate limit, made once per connection.
    struct Client {
        var ip = "unknown"
        var key: UInt64 = 0
    }

    func client(of channel: any Channel) -> Client {
        let ip = channel.remoteAddress?.ipAddress ?? "unknown"
        return Client(ip: ip, key: rateLimit?.limiter.key(ip) ?? 0)
    }

    /// What an anonymous `GET` of `target` (path and query, as sent) asks of the
    /// pipeline, `nil` when it is for the router.
    func ask(target: String) -> Ask? {
        let queryStart = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = queryStart.map { target[..<$0] } ?? target[...]
        if path == Self.healthRoute { return answersHealth ? .health : nil }
        if path.hasPrefix(Self.pathPrefix) {
            let segment = path.dropFirst(Self.pathPrefix.count)
            guard !segment.isEmpty, !segment.utf8.contains(UInt8(ascii: "/")) else { return nil }
            return .check(code: PercentDecoding.bytes(segment), route: Self.pathRoute)
        }
        if path == Self.queryRoute, let queryStart {
            let query = String(target[target.utf8.index(after: queryStart)...])
            guard let code = PercentDecoding.queryValue("code", in: query), !code.isEmpty else { return nil }
            return .check(code: code, route: Self.queryRoute)
        }
        return nil
    }

    /// The registry's applied sequence when it can be read from memory, `nil` when it
    /// would need the disk (then `/health` is the router's).
    func appliedSequenceInMemory() -> UInt64? {
        (try? service.store.appliedSequenceInMemory()) ?? nil
    }

    /// `/health`'s answer at `applied`, counted in the route's metrics.
    func health(applied: UInt64, reusing buffer: consuming ByteBuffer?, started: ContinuousClock.Instant) -> ByteBuffer {
        let body = Health.write(Health(status: "ok", appliedSequence: applied), reusing: buffer)
        healthRecorder.record(since: started)
        return body
    }

    /// The check of the code in `bytes` when it can be answered from memory, `nil`
    /// when it needs the router (an unreadable code's problem, a record on disk).
    func lookInMemory(_ bytes: [UInt8]) -> PublicCheck.Found? {
        guard let code = try? service.store.parser.parse(bytes: bytes) else { return nil }
        return try? check.lookInMemory(code)
    }

    /// Reads the check of `code` on the check readers and hands what was found to `done`
    /// on `loop`: `nil` when the router must answer (nothing could be read, or a packed
    /// code, whose answer lists its packages). Both pipeline stages hop this way.
    func readOnCheckReaders(_ code: MarkingCode, loop: any EventLoop, _ done: @escaping @Sendable (PublicCheck.Found?) -> Void) {
        let service = self.service
        service.checkReaders.submit {
            var found = try? PublicCheck.lookUp(code, service: service)
            if let record = found?.check.record, PublicCheck.needsFullAnswer(record, showsOwner: false) { found = nil }
            let result = found
            loop.execute { done(result) }
        }
    }

    /// The answer of a check found in the pipeline: its audit line handed to the
    /// writer, then its JSON, and the route's metrics.
    func answer(
        _ found: PublicCheck.Found, route: String, target: String, clientIP: String, started: ContinuousClock.Instant,
        reusing buffer: consuming ByteBuffer?
    ) -> ByteBuffer {
        // Handed to the audit writer before the answer leaves: a client that reads the
        // audit trail after its answer never races the line's hand-off.
        service.audit.record(AuditTrail.Call(ip: clientIP, method: "GET", route: Self.auditRoute(target), status: 200, count: nil))
        let body = PublicCheck.answer(found, catalog: service.store.catalog, reusing: buffer) { _ in false }
        (route == Self.pathRoute ? checkRecorder : queryRecorder).record(since: started)
        return body
    }

    /// The route as the audit middleware writes it (``AuditMiddleware``: the URI's path,
    /// and its query when not empty): for a plain target the target itself, with no
    /// new string; anything unusual goes through the same URI type.
    static func auditRoute(_ target: String) -> String {
        if !target.utf8.contains(UInt8(ascii: "#")), target.utf8.last != UInt8(ascii: "?") { return target }
        let uri = URI(target)
        var route = uri.path
        if let query = uri.query, !query.isEmpty { route += "?" + query }
        return route
    }
}
