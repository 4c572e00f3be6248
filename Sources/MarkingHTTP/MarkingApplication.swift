import Hummingbird
import Logging
import NIOCore

/// Builds the HTTP API: `buildRouter` for tests (HummingbirdTesting), and
/// `buildApplication` for `marking-server serve`.
public enum MarkingApplication {
    /// The routes, all under `/api/v1`, behind the problem middleware.
    public static func buildRouter(service: MarkingService) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: service.metrics))
        router.add(middleware: AuditMiddleware(trail: service.audit))
        router.add(middleware: ProblemMiddleware())
        let api = router.group("api/v1")
        api.get("health") { _, _ in
            let store = service.store
            let applied = try await service.blocking { try store.readAppliedSequence() }
            return try JSONAnswer.response(Health(status: "ok", appliedSequence: applied))
        }
        ParticipantRoutes(service: service).add(to: api)
        CodeRoutes(service: service).add(to: api)
        OrderRoutes(service: service).add(to: api)
        DocumentRoutes(service: service).add(to: api)
        ShipmentRoutes(service: service).add(to: api)
        ProductRoutes(service: service).add(to: api)
        AuditRoutes(service: service).add(to: api)
        ViolationRoutes(service: service).add(to: api)
        PackageRoutes(service: service).add(to: api)
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
        return router
    }

    /// The application serving ``buildRouter(service:)`` on `host:port`. Run it with
    /// `runService()`, which stops gracefully on SIGINT and SIGTERM. Anonymous public
    /// checks that can be answered from memory are answered in the channel pipeline
    /// (``PublicCheckHandler``), the rest by the router. A connection idle for
    /// `idleTimeout` is closed (``IdleConnectionHandler``).
    public static func buildApplication(
        service: MarkingService, host: String, port: Int, logger: Logger, idleTimeout: TimeAmount = defaultIdleTimeout,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: buildRouter(service: service),
            // Hummingbird's own `idleTimeout` stays off: its handler sits behind these and
            // never sees the checks answered in the pipeline.
            server: .http1(configuration: .init(additionalChannelHandlers: connectionHandlers(service: service, idleTimeout: idleTimeout))),
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    /// The handlers each connection gets between the HTTP codec and the router, in
    /// order: the idle timeout first, so that it sees every request and answer.
    static func connectionHandlers(service: MarkingService, idleTimeout: TimeAmount) -> [any RemovableChannelHandler] {
        [IdleConnectionHandler(timeout: idleTimeout), ExpectContinueHandler(), PublicCheckHandler(service: service, serverName: serverName)]
    }

    /// How long a connection may stay idle (no request part read, no answer being
    /// written) before the server closes it.
    public static let defaultIdleTimeout = TimeAmount.seconds(60)

    /// The `Server` header of every answer.
    static let serverName = "marking-server"
}

/// The answer of `GET /health`: the store answers, and how many changesets it holds.
struct Health: Codable, Sendable {
    var status: String
    /// The registry's applied sequence (``MarkingStore/appliedSequence``), read from the store.
    var appliedSequence: UInt64
}
