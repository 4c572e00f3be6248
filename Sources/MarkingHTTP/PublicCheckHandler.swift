import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers anonymous public checks (`GET /api/v1/codes/{code}`, `GET /api/v1/codes?code=`)
/// in the channel pipeline, on the event loop that read them, when everything the
/// answer needs is in memory; everything else goes on to the router unchanged.
///
/// Through the router a check crosses Hummingbird's async request and response
/// streams, a task, the route trie and three middlewares: on a 2-core machine that
/// machinery costs more than the check itself (reading a cached record, verifying an
/// HMAC tail, writing 700 bytes of JSON). Here it is one synchronous call. The answer
/// is the same bytes (``PublicCheck/answer(_:catalog:showsOwner:)``, which the router
/// path writes too), with the same headers, and the call is audited and counted in
/// the metrics exactly as the middlewares would.
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
    private static let pathPrefix = "/api/v1/codes/"

    private let check: PublicCheck
    private let serverName: String
    /// The metrics of the two routes this handler answers, status 200.
    private let recorders: [String: APIMetrics.RequestRecorder]
    /// A check waiting for the end of its request, and when it began.
    private var held: (request: HTTPRequest, code: [UInt8], route: String, started: ContinuousClock.Instant)?
    /// Requests handed to the router whose answers have not been written in full.
    private var routed = 0
    private var clientIP = "unknown"
    /// The per-address rate limit of the checks answered here, `nil` when unlimited.
    private let rateLimit: PipelineRateLimit?
    /// The client's key in ``rateLimit``'s limiter, made once per connection.
    private var clientKey: UInt64 = 0
    private var date = HTTPDate()
    /// A read asked for while the channel was unwritable, issued once it drains.
    private var readHeld = false

    init(service: MarkingService, serverName: String) {
        check = PublicCheck(service: service)
        self.serverName = serverName
        recorders = Dictionary(uniqueKeysWithValues: [Self.pathRoute, Self.queryRoute].map { route in
            (route, service.metrics.recorder(method: "GET", route: route, status: 200))
        })
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
        switch unwrapInboundIn(data) {
        case .head(let request):
            if routed == 0, let (code, route) = Self.candidate(request) {
                held = (request, code, route, .now)
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
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
        context.write(data, promise: promise)
    }

    /// The code bytes and route template of a request this handler may answer.
    static func candidate(_ request: HTTPRequest) -> (code: [UInt8], route: String)? {
        // A check that asks for a registry sequence goes to the router, which waits for it.
        guard request.method == .get, let target = request.path, request.headerFields[.authorization] == nil,
              request.headerFields[RegistrySequenceMiddleware.minimumHeader] == nil
        else { return nil }
        if let connection = request.headerFields[.connection], connection.lowercased() != "keep-alive" { return nil }
        let queryStart = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = queryStart.map { target[..<$0] } ?? target[...]
        if path.hasPrefix(pathPrefix) {
            let segment = path.dropFirst(pathPrefix.count)
            guard !segment.isEmpty, !segment.utf8.contains(UInt8(ascii: "/")) else { return nil }
            return (PercentDecoding.bytes(segment), pathRoute)
        }
        if path == queryRoute, let queryStart {
            let query = String(target[target.utf8.index(after: queryStart)...])
            guard let code = PercentDecoding.queryValue("code", in: query), !code.isEmpty else { return nil }
            return (code, queryRoute)
        }
        return nil
    }

    /// Answers a held check when it can; `false` leaves it to the router.
    private func answer(_ context: ChannelHandlerContext, _ held: (request: HTTPRequest, code: [UInt8], route: String, started: ContinuousClock.Instant)) -> Bool {
        let service = check.service
        guard let code = try? service.store.parser.parse(bytes: held.code),
              let found = try? check.lookInMemory(code)
        else { return false }
        if let rateLimit, rateLimit.refuse(
            self, context, request: held.request, route: held.route, key: clientKey, serverName: serverName, started: held.started)
        {
            return true
        }
        let body = PublicCheck.answer(found, catalog: service.store.catalog) { _ in false }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(body.readableBytes)
        headers[.date] = date.now()
        headers[.server] = serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        // The route as the audit middleware writes it, from the same URI type.
        let uri = URI(held.request.path ?? "")
        var route = uri.path
        if let query = uri.query, !query.isEmpty { route += "?" + query }
        service.audit.record(AuditTrail.Call(ip: clientIP, method: "GET", route: route, status: 200, count: nil))
        let elapsed = ContinuousClock.now - held.started
        recorders[held.route]?.record(nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return true
    }
}

/// The `Date` header (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), made
/// once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    mutating func now() -> String {
        let now = Int(Date().timeIntervalSince1970)
        if now != second {
            second = now
            text = Self.format(secondsSince1970: now)
        }
        return text
    }

    static func format(secondsSince1970 seconds: Int) -> String {
        let stamp = JSONAnswer.timestamp(UInt64(seconds) * 1000)  // 2026-11-22T13:09:40.000Z
        let digits = Array(stamp.utf8)
        func number(_ range: Range<Int>) -> Int { Int(String(decoding: digits[range], as: UTF8.self)) ?? 0 }
        let day = days[(seconds / 86_400) % 7]
        let month = months[number(5..<7) - 1]
        return "\(day), \(stamp.dropFirst(8).prefix(2)) \(month) \(stamp.prefix(4)) \(stamp.dropFirst(11).prefix(8)) GMT"
    }
}
