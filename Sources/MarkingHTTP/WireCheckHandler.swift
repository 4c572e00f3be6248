import HTTPTypes
import MarkingCore
import NIOCore

/// Answers plain public checks and `/health` straight from the socket's bytes, ahead
/// of the HTTP codec: the first handler of every connection.
///
/// Measured on a 2-core machine, NIO's HTTP codec, the conversion to `HTTPTypes` and
/// the handlers each request part crosses cost a check more than reading its record
/// does. A phone's check is one small `GET`, so this handler recognises exactly that
/// shape (``PlainRequest``), answers it from memory with ``PipelineAnswers`` (the same
/// lookup, audit line, metrics and JSON as ``PublicCheckHandler``) and writes the
/// status line, the router's headers in the router's order and the body as one buffer.
/// Answers to requests that arrived together leave in one write.
///
/// A check whose record is not in memory is read on the store workers while the
/// connection's later bytes wait. The first request it cannot answer (not plain, a
/// token, a code with a problem to explain or packed in a package, a client past its
/// rate limit) goes on to the codec with every byte after it, and from then on the
/// connection's bytes all take the codec's path: answers stay in request order without
/// this handler ever having to know when the router's answer ends. A refused check is
/// not charged here: the router charges it and answers `429`.
///
/// Like ``PublicCheckHandler`` it holds the connection's reads while the socket does
/// not take what it writes, and it tells ``IdleConnectionHandler`` (which never sees
/// these requests) that the connection is in use, at most once a second.
final class WireCheckHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let answers: PipelineAnswers
    /// Bytes read and not yet answered or passed on: the start of a request.
    private var unread: ByteBuffer?
    /// Whether the connection's bytes now all go to the codec.
    private var passing = false
    private var clientIP = "unknown"
    private var clientKey: UInt64 = 0
    private var date = HTTPDate()
    /// The answers of one read, and an answer's body, kept between reads: once the
    /// socket has taken them nothing else holds them, and their memory is written again.
    private var out: ByteBuffer?
    private var body: ByteBuffer?
    /// A read asked for while the channel was unwritable or a check was on the
    /// workers, issued once it drains or the check is answered.
    private var readHeld = false
    /// The check being read on the store workers; the bytes after it wait in `unread`.
    private var hop: PendingCheck?
    /// The end of input arrived while `hop` was out.
    private var inputClosed = false
    private var lastNotice = NIODeadline.uptimeNanoseconds(0)

    init(answers: PipelineAnswers) {
        self.answers = answers
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
        clientKey = answers.rateLimit?.limiter.key(clientIP) ?? 0
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !passing else {
            context.fireChannelRead(data)
            return
        }
        var buffer = unwrapInboundIn(data)
        if var held = unread.take() {
            held.writeBuffer(&buffer)
            buffer = held
        }
        unread = buffer
        if hop == nil { process(context) }
    }

    /// Answers the complete plain requests in ``unread`` until one needs a read from
    /// disk (then waits for it), the codec (then passes the rest on), or more bytes.
    private func process(_ context: ChannelHandlerContext) {
        guard var buffer = unread.take() else { return }
        var output = out.take() ?? context.channel.allocator.buffer(capacity: 2048)
        output.clear()
        var answered = false
        var forCodec = false
        scanning: while buffer.readableBytes > 0 {
            let scan = PlainRequest.scan(buffer)
            guard case .plain(let request) = scan else {
                forCodec = scan == .notPlain
                break
            }
            switch respond(to: request, in: buffer, into: &output) {
            case .answered:
                buffer.moveReaderIndex(forwardBy: request.length)
                answered = true
            case .router:
                forCodec = true
                break scanning
            case .fromDisk(let pending):
                readOnWorkers(context, pending)
                break scanning
            }
        }
        if answered {
            noticeActivity(context)
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(output)), promise: nil)
        }
        out = output
        // After the answers before it: whatever the codec's path answers comes later.
        if forCodec {
            pass(context, buffer)
        } else if buffer.readableBytes > 0 {
            unread = buffer
        }
    }

    /// Hands `buffer` and every byte after it to the HTTP codec.
    private func pass(_ context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        passing = true
        context.fireChannelRead(wrapInboundOut(buffer))
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    /// Bytes of a request cut short by the end of input go on to the codec, which
    /// answers or reports them as it would have; after the answer being read, if any.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .inputClosed? = event as? ChannelEvent, !passing else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if hop != nil {
            inputClosed = true
            return
        }
        if let unread = unread.take() { pass(context, unread) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !passing, hop == nil, let unread = unread.take() { pass(context, unread) }
        context.fireChannelInactive()
    }

    /// What became of one plain request.
    private enum Outcome {
        case answered
        /// The router's to answer: the request and everything after it go to the codec.
        case router
        /// A check whose record is not in memory: read on the store workers.
        case fromDisk(PendingCheck)
    }

    /// A check being read on the store workers.
    struct PendingCheck: Sendable {
        var code: MarkingCode
        var route: String
        var target: String
        var started: ContinuousClock.Instant
    }

    /// Writes the answer to `request` into `output` when it can be answered from memory.
    private func respond(to request: PlainRequest, in buffer: ByteBuffer, into output: inout ByteBuffer) -> Outcome {
        let started = ContinuousClock.now
        let target = buffer.getString(at: buffer.readerIndex + request.target.lowerBound, length: request.target.count) ?? ""
        switch answers.ask(target: target) {
        case .health:
            guard let health = answers.health(reusing: body.take(), started: started) else { return .router }
            write(health, to: &output)
        case .check(let bytes, let route):
            guard let code = try? answers.service.store.parser.parse(bytes: bytes) else { return .router }
            guard let found = try? answers.check.lookInMemory(code) else {
                return .fromDisk(PendingCheck(code: code, route: route, target: target, started: started))
            }
            guard answer(found, route: route, target: target, started: started, into: &output) else { return .router }
        case nil:
            return .router
        }
        return .answered
    }

    /// Writes a found check's answer, unless the client is past its rate limit (then
    /// `false`: the router charges and answers it).
    private func answer(_ found: PublicCheck.Found, route: String, target: String, started: ContinuousClock.Instant, into output: inout ByteBuffer) -> Bool {
        if let rateLimit = answers.rateLimit, rateLimit.limiter.take(clientKey) != nil { return false }
        write(answers.answer(found, route: route, target: target, clientIP: clientIP, started: started, reusing: body.take()), to: &output)
        return true
    }

    /// Reads a check's record on the store workers, holding the connection's later
    /// bytes (and its reads) until the answer is written back on the event loop.
    private func readOnWorkers(_ context: ChannelHandlerContext, _ pending: PendingCheck) {
        hop = pending
        let service = answers.service
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        service.workers.submit {
            var found = try? PublicCheck.lookUp(pending.code, service: service)
            if let record = found?.check.record, PublicCheck.needsFullAnswer(record, showsOwner: false) { found = nil }
            let result = found
            loop.execute {
                let (handler, context) = bound.value
                handler.hopped(context, result)
            }
        }
    }

    /// The end of ``readOnWorkers(_:_:)``: the answer, then the bytes that waited.
    private func hopped(_ context: ChannelHandlerContext, _ found: PublicCheck.Found?) {
        guard let pending = hop.take(), var buffer = unread.take() else { return }
        var output = out.take() ?? context.channel.allocator.buffer(capacity: 2048)
        output.clear()
        guard let found, let length = PlainRequest.scan(buffer).length,
              answer(found, route: pending.route, target: pending.target, started: pending.started, into: &output)
        else {
            out = output
            pass(context, buffer)
            return finishInput(context)
        }
        noticeActivity(context)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(output)), promise: nil)
        out = output
        buffer.moveReaderIndex(forwardBy: length)
        if buffer.readableBytes > 0 { unread = buffer }
        process(context)
        if hop == nil, readHeld, context.channel.isWritable {
            readHeld = false
            context.read()
        }
        finishInput(context)
    }

    /// The end of input that came while a check was on the workers, once nothing waits.
    private func finishInput(_ context: ChannelHandlerContext) {
        guard inputClosed, hop == nil else { return }
        inputClosed = false
        if !passing, let unread = unread.take() { pass(context, unread) }
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    /// The `200` answer with `body`, head as the router writes it (a test compares the
    /// bytes): status line, `Content-Type`, `Content-Length`, `X-Registry-Sequence`,
    /// `Date`, `Server`.
    private func write(_ body: ByteBuffer, to output: inout ByteBuffer) {
        output.writeStaticString("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ")
        output.writeString(String(body.readableBytes))
        output.writeStaticString("\r\n")
        output.writeString(RegistrySequenceMiddleware.sequenceHeader.rawName)
        output.writeStaticString(": ")
        output.writeString(String(answers.service.store.appliedSequence))
        output.writeStaticString("\r\nDate: ")
        output.writeString(date.now())
        output.writeStaticString("\r\nServer: ")
        output.writeString(answers.serverName)
        output.writeStaticString("\r\n\r\n")
        output.writeImmutableBuffer(body)
        self.body = body
    }

    /// Tells the idle timer the connection is in use, at most once a second.
    private func noticeActivity(_ context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        guard now - lastNotice >= .seconds(1) else { return }
        lastNotice = now
        context.fireUserInboundEventTriggered(ConnectionInUse())
    }

    func read(context: ChannelHandlerContext) {
        if passing || (context.channel.isWritable && hop == nil) {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld, hop == nil {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }
}

/// Sent up the pipeline by ``WireCheckHandler`` while it answers a connection's
/// requests, which the handlers behind the codec never see: the connection is not idle.
struct ConnectionInUse: Sendable {}
