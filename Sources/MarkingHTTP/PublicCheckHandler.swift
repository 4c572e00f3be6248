import Foundation
import Hummingbird
import HummingbirdCore
import MarkingCore
import NIOCore
import NIOHTTPTypes

/// Answers anonymous public checks (`GET /api/v1/codes/{code}`, `GET /api/v1/codes?code=`)
/// and, outside a cluster, `GET /api/v1/health` in the channel pipeline, on the event
/// loop that read them, when everything the answer needs is in memory; everything
/// else goes on to the router unchanged.
///
/// Through the router a check crosses Hummingbird's async request and response
/// streams, a task, the route trie and three middlewares: on a 2-core machine that
/// machinery costs more than the check itself (reading a cached record, verifying an
/// HMAC tail, writing 700 bytes of JSON). Here it is one synchronous call. The answer
/// is the same bytes (``PublicCheck/answer(_:catalog:reusing:showsOwner:)``, which the
/// router path writes too), with the same headers in the same order (a test compares
/// the two on the wire), and the call is audited and counted in the metrics exactly
/// as the middlewares would. With ``CheckReads/workers`` the record is read on the
/// store workers instead, and later requests wait for that answer.
///
/// Anything unusual passes through: a token (owner fields need the token resolved in
/// the store), a code that cannot be read (the problem answer is the router's), a
/// record or card not in memory, a body, a `Connection` other than `keep-alive`.
/// Answers stay in request order: while a request handed to the router is
/// unanswered, later ones follow it there.
///
/// Answers written here are not held back by the socket as the router's are, so while
/// the socket is full (a client sending checks and not reading the answers) this
/// handler holds the connection's reads, as NIO's `BackPressureHandler` does, and the
/// answers waiting in memory stay few.
final class PublicCheckHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The route templates, as the metrics middleware labels them.
    static let pathRoute = "/api/v1/codes/{code}"
    static let queryRoute = "/api/v1/codes"
    static let healthRoute = "/api/v1/health"
    private static let pathPrefix = "/api/v1/codes/"

    /// What a request this handler may answer asks for.
    enum Ask: Equatable {
        /// A public check of the code in `code` (percent-decoded), under `route`.
        case check(code: [UInt8], route: String)
        /// `GET /health` of a server outside a cluster.
        case health
    }

    /// A request waiting for its end before it is answered.
    private struct Held {
        var request: HTTPRequest
        var ask: Ask
        var started: ContinuousClock.Instant
    }

    private let check: PublicCheck
    private let serverName: String
    /// Where a check's record is read.
    private let reads: CheckReads
    /// Whether `/health` is answered here: only outside a cluster, where it is one
    /// read of the store (in a cluster it asks the log too, which may block).
    private let answersHealth: Bool
    /// The metrics of the routes this handler answers, status 200, resolved once.
    private let checkRecorder: APIMetrics.RequestRecorder
    private let queryRecorder: APIMetrics.RequestRecorder
    private let healthRecorder: APIMetrics.RequestRecorder
    private var held: Held?
    /// Requests handed to the router whose answers have not been written in full.
    private var routed = 0
    private var clientIP = "unknown"
    /// The per-address rate limit of the checks answered here, `nil` when unlimited.
    private let rateLimit: PipelineRateLimit?
    /// The client's key in ``rateLimit``'s limiter, made once per connection.
    private var clientKey: UInt64 = 0
    private var date = HTTPDate()
    /// The answer's head and body, kept between answers: once the socket has taken an
    /// answer, nothing else holds them, and the next is written into the same memory.
    private var headers: HTTPFields
    private var body: ByteBuffer?
    /// A read asked for while the channel was unwritable or a check was on the
    /// workers, issued once it drains or the check is answered.
    private var readHeld = false
    /// A check is being read on the workers (``CheckReads/workers``); request parts
    /// that arrive meanwhile wait in `waiting`, so answers stay in request order.
    private var hopping = false
    private var waiting: [HTTPRequestPart] = []

    init(service: MarkingService, serverName: String, reads: CheckReads = .eventLoop) {
        check = PublicCheck(service: service)
        self.serverName = serverName
        self.reads = reads
        answersHealth = service.replication == nil
        checkRecorder = service.metrics.recorder(method: "GET", route: Self.pathRoute, status: 200)
        queryRecorder = service.metrics.recorder(method: "GET", route: Self.queryRoute, status: 200)
        healthRecorder = service.metrics.recorder(method: "GET", route: Self.healthRoute, status: 200)
        // In the order the router's answers carry them (a test compares the bytes).
        headers = [
            .contentType: "application/json; charset=utf-8", .contentLength: "0", RegistrySequenceMiddleware.sequenceHeader: "0",
            .date: "", .server: serverName,
        ]
        rateLimit = service.anonymousLimiter.map { PipelineRateLimit(limiter: $0, metrics: service.metrics, routes: [Self.pathRoute, Self.queryRoute]) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        setClient(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        setClient(context)
        context.fireChannelActive()
    }

    private func setClient(_ context: ChannelHandlerContext) {
        clientIP = context.channel.remoteAddress?.ipAddress ?? "unknown"
        clientKey = rateLimit?.limiter.key(clientIP) ?? 0
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if hopping {
            waiting.append(part)
            return
        }
        switch part {
        case .head(let request):
            if routed == 0, let ask = Self.ask(request, health: answersHealth) {
                held = Held(request: request, ask: ask, started: .now)
            } else {
                route(context, .head(request))
            }
        case .body(let body):
            if let held {
                self.held = nil
                route(context, .head(held.request))
            }
            context.fireChannelRead(wrapInboundOut(.body(body)))
        case .end(let trailers):
            guard let held else {
                context.fireChannelRead(wrapInboundOut(.end(trailers)))
                return
            }
            self.held = nil
            if trailers == nil, answer(context, held) { return }
            route(context, .head(held.request))
            context.fireChannelRead(wrapInboundOut(.end(trailers)))
        }
    }

    /// A request that failed while held (its body could not be read) goes to the
    /// router with the error, which answers it (see ``RequestGuardHandler``).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let held {
            self.held = nil
            route(context, .head(held.request))
        }
        context.fireErrorCaught(error)
    }

    /// Hands a request head to the router and remembers that its answer is due.
    private func route(_ context: ChannelHandlerContext, _ head: HTTPRequestPart) {
        routed += 1
        context.fireChannelRead(wrapInboundOut(head))
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable, !hopping {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld, !hopping {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
        context.write(data, promise: promise)
    }

    /// What `request` asks of this handler, `nil` when it is for the router.
    static func ask(_ request: HTTPRequest, health: Bool) -> Ask? {
        // A request that asks for a registry sequence goes to the router, which waits for it.
        guard request.method == .get, let target = request.path, request.headerFields[RegistrySequenceMiddleware.minimumHeader] == nil
        else { return nil }
        if let connection = request.headerFields[.connection], connection.lowercased() != "keep-alive" { return nil }
        let queryStart = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = queryStart.map { target[..<$0] } ?? target[...]
        if path == healthRoute { return health ? .health : nil }
        // A token: the owner's fields need it resolved in the store, on the router.
        guard request.headerFields[.authorization] == nil else { return nil }
        if path.hasPrefix(pathPrefix) {
            let segment = path.dropFirst(pathPrefix.count)
            guard !segment.isEmpty, !segment.utf8.contains(UInt8(ascii: "/")) else { return nil }
            return .check(code: PercentDecoding.bytes(segment), route: pathRoute)
        }
        if path == queryRoute, let queryStart {
            let query = String(target[target.utf8.index(after: queryStart)...])
            guard let code = PercentDecoding.queryValue("code", in: query), !code.isEmpty else { return nil }
            return .check(code: code, route: queryRoute)
        }
        return nil
    }

    /// Answers a held request when it can; `false` leaves it to the router.
    private func answer(_ context: ChannelHandlerContext, _ held: Held) -> Bool {
        let service = check.service
        switch held.ask {
        case .health:
            guard let applied = try? service.store.appliedSequenceInMemory() else { return false }
            write(context, Health.write(Health(status: "ok", appliedSequence: applied), reusing: body.take()))
            healthRecorder.record(since: held.started)
        case .check(let bytes, _):
            guard let code = try? service.store.parser.parse(bytes: bytes) else { return false }
            if reads == .workers {
                readOnWorkers(context, held, code)
                return true
            }
            guard let found = try? check.lookInMemory(code) else { return false }
            if refused(context, held) { return true }
            answer(context, held, found)
        }
        return true
    }

    /// Whether the client's rate limit refused the held check (and answered it 429).
    private func refused(_ context: ChannelHandlerContext, _ held: Held) -> Bool {
        guard let rateLimit, case .check(_, let route) = held.ask else { return false }
        return rateLimit.refuse(
            self, context, request: held.request, route: route, key: clientKey, serverName: serverName, started: held.started)
    }

    /// Writes the answer of a check, audits it and counts it.
    private func answer(_ context: ChannelHandlerContext, _ held: Held, _ found: PublicCheck.Found) {
        let service = check.service
        // Handed to the audit writer before the answer leaves: a client that reads the
        // audit trail after its answer never races the line's hand-off.
        service.audit.record(AuditTrail.Call(ip: clientIP, method: "GET", route: Self.auditRoute(held.request.path ?? ""), status: 200, count: nil))
        write(context, PublicCheck.answer(found, catalog: service.store.catalog, reusing: body.take()) { _ in false })
        if case .check(_, let route) = held.ask { (route == Self.pathRoute ? checkRecorder : queryRecorder).record(since: held.started) }
    }

    /// Reads the check's record on the store workers and answers it back on the event
    /// loop (or hands it to the router when the answer needs more than the record):
    /// the thread hop ``CheckReads/workers`` measures against reading on the loop.
    private func readOnWorkers(_ context: ChannelHandlerContext, _ held: Held, _ code: MarkingCode) {
        hopping = true
        let service = check.service
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context, held: held), eventLoop: loop)
        service.workers.submit {
            var found = try? PublicCheck.lookUp(code, service: service)
            if let record = found?.check.record, PublicCheck.needsFullAnswer(record, showsOwner: false) { found = nil }
            let result = found
            loop.execute {
                let (handler, context, held) = bound.value
                handler.hopped(context, held, result)
            }
        }
    }

    /// The end of ``readOnWorkers(_:_:_:)``: the answer, then the parts that waited.
    private func hopped(_ context: ChannelHandlerContext, _ held: Held, _ found: PublicCheck.Found?) {
        hopping = false
        if let found {
            // Charged only now that it is answered here: one the router answers is
            // charged by the router's middleware, once.
            if !refused(context, held) { answer(context, held, found) }
        } else {
            route(context, .head(held.request))
            context.fireChannelRead(wrapInboundOut(.end(nil)))
        }
        while !hopping, !waiting.isEmpty {
            channelRead(context: context, data: wrapInboundOut(waiting.removeFirst()))
        }
        if !hopping, readHeld, context.channel.isWritable {
            readHeld = false
            context.read()
        }
    }

    /// Writes `body` as a `200` JSON answer with the router's headers, and keeps it for
    /// the next answer.
    private func write(_ context: ChannelHandlerContext, _ body: ByteBuffer) {
        headers[.contentLength] = String(body.readableBytes)
        headers[RegistrySequenceMiddleware.sequenceHeader] = String(check.service.store.appliedSequence)
        headers[.date] = date.now()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        self.body = body
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
