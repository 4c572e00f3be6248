import Hummingbird
import HummingbirdCore
import MarkingCore
import NIOCore
import NIOHTTPTypes

/// Answers anonymous public checks (`GET /api/v1/codes/{code}`, `GET /api/v1/codes?code=`)
/// and, outside a cluster, `GET /api/v1/health` in the channel pipeline, on the event
/// loop that read them, when everything the answer needs is in memory; everything
/// else goes on to the router unchanged. It sees what ``WireCheckHandler`` (ahead of
/// the codec) left to the codec: checks on a connection that has sent a request the
/// wire handler could not answer, and every check when reads are on the workers.
/// Both stages answer through ``PipelineAnswers``.
///
/// Through the router a check crosses Hummingbird's async request and response
/// streams, a task, the route trie and three middlewares: on a 2-core machine that
/// machinery costs more than the check itself (reading a cached record, verifying an
/// HMAC tail, writing 700 bytes of JSON). Here it is one synchronous call. The answer
/// is the same bytes (``PublicCheck/answer(_:catalog:reusing:showsOwner:)``, which the
/// router path writes too), with the same headers in the same order (a test compares
/// the two on the wire), and the call is audited and counted in the metrics exactly
/// as the middlewares would. With ``CheckReads/workers`` the record is read on the
/// check readers (``CheckReaders``) instead, and later requests wait for that answer.
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

    typealias Ask = PipelineAnswers.Ask

    /// A request waiting for its end before it is answered.
    private struct Held {
        var request: HTTPRequest
        var ask: Ask
        var started: ContinuousClock.Instant
    }

    private let answers: PipelineAnswers
    /// Where a check's record is read.
    private let reads: CheckReads
    private var held: Held?
    /// Requests handed to the router whose answers have not been written in full.
    private var routed = 0
    private var client = PipelineAnswers.Client()
    private var date = HTTPDate()
    /// The answer's head and body, kept between answers: once the socket has taken an
    /// answer, nothing else holds them, and the next is written into the same memory.
    private var headers: HTTPFields
    private var body: ByteBuffer?
    /// A read asked for while the channel was unwritable or a check was on the
    /// workers, issued once it drains or the check is answered.
    private var readHeld = false
    /// A check is being read on the check readers (``CheckReads/workers``); request parts
    /// that arrive meanwhile wait in `waiting`, so answers stay in request order.
    private var hopping = false
    private var waiting: [HTTPRequestPart] = []

    init(service: MarkingService, serverName: String, reads: CheckReads = .eventLoop) {
        answers = PipelineAnswers(service: service, serverName: serverName)
        self.reads = reads
        // In the order the router's answers carry them (a test compares the bytes).
        headers = [
            .contentType: "application/json; charset=utf-8", .contentLength: "0", RegistrySequenceMiddleware.sequenceHeader: "0",
            .date: "", .server: serverName,
        ]
    }

    func handlerAdded(context: ChannelHandlerContext) {
        setClient(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        setClient(context)
        context.fireChannelActive()
    }

    private func setClient(_ context: ChannelHandlerContext) {
        client = answers.client(of: context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if hopping {
            waiting.append(part)
            return
        }
        switch part {
        case .head(let request):
            if routed == 0, let ask = answers.ask(request) {
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

    /// Answers a held request when it can; `false` leaves it to the router.
    private func answer(_ context: ChannelHandlerContext, _ held: Held) -> Bool {
        switch held.ask {
        case .health:
            guard let applied = answers.appliedSequenceInMemory() else { return false }
            if refused(context, held) { return true }
            write(context, answers.health(applied: applied, reusing: body.take(), started: held.started))
        case .check(let bytes, _):
            if reads == .workers {
                guard let code = try? answers.service.store.parser.parse(bytes: bytes) else { return false }
                readOnCheckReaders(context, held, code)
                return true
            }
            guard let found = answers.lookInMemory(bytes) else { return false }
            if refused(context, held) { return true }
            answer(context, held, found)
        }
        return true
    }

    /// Whether the client's rate limit refused the held request (and answered it 429).
    private func refused(_ context: ChannelHandlerContext, _ held: Held) -> Bool {
        guard let rateLimit = answers.rateLimit else { return false }
        let route = if case .check(_, let route) = held.ask { route } else { PipelineAnswers.healthRoute }
        return rateLimit.refuse(
            self, context, request: held.request, route: route, key: client.key, serverName: answers.serverName, started: held.started)
    }

    /// Writes the answer of a check, audits it and counts it.
    private func answer(_ context: ChannelHandlerContext, _ held: Held, _ found: PublicCheck.Found) {
        guard case .check(_, let route) = held.ask else { return }
        write(
            context,
            answers.answer(found, route: route, target: held.request.path ?? "", clientIP: client.ip, started: held.started, reusing: body.take()))
    }

    /// Reads the check's record on the check readers and answers it back on the event
    /// loop (or hands it to the router when the answer needs more than the record):
    /// the thread hop ``CheckReads/workers`` measures against reading on the loop.
    private func readOnCheckReaders(_ context: ChannelHandlerContext, _ held: Held, _ code: MarkingCode) {
        hopping = true
        let bound = NIOLoopBound((handler: self, context: context, held: held), eventLoop: context.eventLoop)
        answers.readOnCheckReaders(code, loop: context.eventLoop) { found in
            let (handler, context, held) = bound.value
            handler.hopped(context, held, found)
        }
    }

    /// The end of ``readOnCheckReaders(_:_:_:)``: the answer, then the parts that waited.
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
        // Outside a socket read: Hummingbird's request stream takes what was handed on
        // only at the end of a read.
        context.fireChannelReadComplete()
    }

    /// Writes `body` as a `200` JSON answer with the router's headers, and keeps it for
    /// the next answer.
    private func write(_ context: ChannelHandlerContext, _ body: ByteBuffer) {
        headers[.contentLength] = String(body.readableBytes)
        headers[RegistrySequenceMiddleware.sequenceHeader] = String(answers.service.store.appliedSequence)
        headers[.date] = date.now()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        self.body = body
    }
}

extension PipelineAnswers {
    /// What `request` asks of ``PublicCheckHandler``, `nil` when it is for the router:
    /// a `GET` without a token (the owner's fields need it resolved in the store) and
    /// without a registry sequence to wait for (the router waits for it).
    func ask(_ request: HTTPRequest) -> Ask? {
        guard request.method == .get, let target = request.path, request.headerFields[RegistrySequenceMiddleware.minimumHeader] == nil
        else { return nil }
        if let connection = request.headerFields[.connection], connection.lowercased() != "keep-alive" { return nil }
        // A token: the owner's fields need it resolved, and its own rate limit charged.
        guard request.headerFields[.authorization] == nil else { return nil }
        return ask(target: target)
    }
}
