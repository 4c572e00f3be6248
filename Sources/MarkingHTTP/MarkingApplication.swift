import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Builds the HTTP API: `buildRouter` for tests (HummingbirdTesting), and
/// `buildApplication` for `marking-server serve`.
public enum MarkingApplication {
    /// The routes, all under `/api/v1`, behind the problem middleware; `pages` adds
    /// the web application's routes beside them (outside `/api/v1`), whose
    /// `sessions` name a page's caller to the audit trail.
    public static func buildRouter(
        service: MarkingService, pages: (@Sendable (Router<APIRequestContext>) -> Void)? = nil, sessions: (any PageSessions)? = nil
    ) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: service.metrics))
        router.add(middleware: RateLimitMiddleware(service: service))
        router.add(middleware: AuditMiddleware(trail: service.audit, sessions: sessions))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: RegistrySequenceMiddleware(service: service))
        let api = router.group("api/v1")
        api.get("health") { _, _ in
            let store = service.store
            let applied = try await service.blocking { try store.readAppliedSequence() }
            var health = Health(status: "ok", appliedSequence: applied)
            if let replication = service.replication {
                let status = try await service.blocking { replication.status() }
                health.node = replication.node
                health.logSequence = status.logLast
                health.lag = status.logLast.map { $0 > applied ? $0 - applied : 0 }
                health.logReachable = status.reachable
            }
            return try JSONAnswer.response(health)
        }
        api.post("registry/checkpoints") { request, _ in
            guard case .admin = try await service.caller(of: request) else { throw Problem(.auth.adminOnly) }
            let store = service.store
            let checkpoint = try await service.blocking { try RegistryCheckpoints(store: store).make() }
            return try JSONAnswer.response(checkpoint, status: .created)
        }
        api.get("registry/checkpoints") { request, _ in
            guard case .admin = try await service.caller(of: request) else { throw Problem(.auth.adminOnly) }
            let store = service.store
            return try JSONAnswer.response(try await service.blocking { try RegistryCheckpoints(store: store).list() })
        }
        api.get("registry/digest") { request, _ in
            guard case .admin = try await service.caller(of: request) else { throw Problem(.auth.adminOnly) }
            let store = service.store
            let (sequence, digest) = try await service.blocking { try store.digestAtSequence() }
            return try JSONAnswer.response(
                RegistryDigest(node: service.replication?.node, sequence: sequence, digest: digest, keyFingerprint: store.keyFingerprint.digest))
        }
        ParticipantRoutes(service: service).add(to: api)
        CodeRoutes(service: service).add(to: api)
        OrderRoutes(service: service).add(to: api)
        DocumentRoutes(service: service).add(to: api)
        ShipmentRoutes(service: service).add(to: api)
        ProductRoutes(service: service).add(to: api)
        GTINAssignmentRoutes(service: service).add(to: api)
        AuditRoutes(service: service).add(to: api)
        ViolationRoutes(service: service).add(to: api)
        PackageRoutes(service: service).add(to: api)
        AnalyticsRoutes(service: service).add(to: api)
        api.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml + "\n")))
        }
        api.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: service.metrics.exposition())))
        }
        pages?(router)
        return router
    }

    /// The application serving ``buildRouter(service:)`` on `host:port`. Run it with
    /// `runService()`, which stops gracefully on SIGINT and SIGTERM. Anonymous public
    /// checks that can be answered from memory, and `/health` outside a cluster, are
    /// answered in the channel pipeline: plain ones from the socket's bytes, ahead of the
    /// HTTP codec (``WireCheckHandler``), the others after it (``PublicCheckHandler``);
    /// the rest by the router.
    /// A connection idle for `idleTimeout` is closed (``IdleConnectionHandler``); past
    /// `maximumConnections` open at once, new ones are closed at once
    /// (``OpenConnections``). `checkReads` says where the pipeline reads a check's
    /// record (``CheckReads``).
    public static func buildApplication(
        service: MarkingService, host: String, port: Int, logger: Logger, idleTimeout: TimeAmount = defaultIdleTimeout,
        maximumConnections: Int = OpenConnections.defaultLimit, checkReads: CheckReads = .eventLoop,
        pages: (@Sendable (Router<APIRequestContext>) -> Void)? = nil, sessions: (any PageSessions)? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let connections = OpenConnections(limit: maximumConnections, metrics: service.metrics)
        // Hummingbird's own `idleTimeout` stays off: its handler sits behind these and
        // never sees the checks answered in the pipeline.
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: connectionHandlers(service: service, idleTimeout: idleTimeout, connections: connections, checkReads: checkReads))
        // With reads on the workers, checks cross threads in ``PublicCheckHandler``; the
        // wire handler answers only what it can answer on the spot.
        let answers = checkReads == .eventLoop ? PipelineAnswers(service: service, serverName: serverName) : nil
        return Application(
            router: buildRouter(service: service, pages: pages, sessions: sessions),
            server: HTTPServerBuilder { responder in
                let channel = HTTP1Channel(responder: responder, configuration: http1)
                guard let answers else { return channel }
                return WireCheckChannel(http1: channel, answers: answers)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    /// The handlers each connection gets between the HTTP codec and the router, in
    /// order: the request guard first, so that it sees the parser's errors before
    /// anyone and writes behind every answer; then the idle timeout, so that it sees
    /// every request and answer.
    /// The cap on open connections, when given, is checked before them all.
    static func connectionHandlers(
        service: MarkingService, idleTimeout: TimeAmount, connections: OpenConnections? = nil, checkReads: CheckReads = .eventLoop
    ) -> [any RemovableChannelHandler] {
        let limit: [any RemovableChannelHandler] = connections.map { [ConnectionLimitHandler(connections: $0)] } ?? []
        return limit + [
            RequestGuardHandler(listTimeout: .seconds(CodeListBody.maximumDuration.components.seconds), serverName: serverName),
            IdleConnectionHandler(timeout: idleTimeout), ExpectContinueHandler(), 
            PublicCheckHandler(service: service, serverName: serverName, reads: checkReads),
        ]
    }

    /// How long a connection may stay idle (no request part read, no answer being
    /// written) before the server closes it.
    public static let defaultIdleTimeout = TimeAmount.seconds(60)

    /// The `Server` header of every answer.
    static let serverName = "marking-server"
}

/// The answer of `GET /health`: the store answers, and how many changesets it holds;
/// in a cluster also the node, the log's last sequence, the lag behind it, and
/// whether the log answers.
struct Health: Codable, Sendable {
    var status: String
    /// The registry's applied sequence (``MarkingStore/appliedSequence``), read from the store.
    var appliedSequence: UInt64
    var node: String?
    var logSequence: UInt64?
    var lag: UInt64?
    var logReachable: Bool?
}

extension Health {
    /// The answer's JSON as `JSONEncoder.api` writes it (keys sorted, absent values
    /// left out), into `buffer` when given: for ``PublicCheckHandler``, which answers
    /// `/health` in the pipeline (a test holds the two together).
    static func write(_ health: Health, reusing buffer: consuming ByteBuffer? = nil) -> ByteBuffer {
        var json = JSONByteWriter(reusing: buffer)
        json.integer("appliedSequence", health.appliedSequence)
        json.integer("lag", health.lag)
        json.bool("logReachable", health.logReachable)
        json.integer("logSequence", health.logSequence)
        json.string("node", health.node)
        json.string("status", health.status)
        return json.finish()
    }
}

/// The answer of `GET /registry/digest`: the digest of the registry at a sequence,
/// which replicas that converged share.
struct RegistryDigest: Codable, Sendable {
    var node: String?
    var sequence: UInt64
    var digest: String
    /// A hash of the replica's key ring (``MarkingCore/KeyFingerprint/digest``), never
    /// the keys: replicas whose rings differ read each other's codes as forged.
    var keyFingerprint: String
}

/// What `GET /health` shows of a replica's place in its cluster.
public protocol ReplicationStatus: Sendable {
    /// The node's name.
    var node: String { get }
    /// The applied sequence, the log's last sequence when it answers, and whether it does.
    func status() -> (applied: UInt64, logLast: UInt64?, reachable: Bool)
}
