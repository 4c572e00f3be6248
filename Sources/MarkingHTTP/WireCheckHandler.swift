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
/// A check whose record is not in memory is read on the check readers while the
/// connection's later bytes wait. The first request it cannot answer (not plain, a
/// token, a code with a problem to explain or packed in a package, a client past its
/// rate limit) goes on to the codec with every byte after it, and from then on the
/// connection's bytes all take the codec's path: answers stay in request order without
/// this handler ever having to know when the router's answer ends. A refused check is
/// not charged here (the limiter takes nothing when it refuses): the stage behind the
/// codec answers it `429`, as the router would.
///
/// Like ``PublicCheckHandler`` it holds the connection's reads while the socket does
/// not take what it writes, and writes at most ``outputLimit`` bytes of answers before
/// looking again; it tells ``IdleConnectionHandler`` (which never sees these requests)
/// that the connection is in use, at most once a second and whenever a check goes to
/// the readers. While a check is on the readers, the end of input and the server's
/// shutdown notice wait for its answer; after the notice every request goes to the
/// codec, whose handlers close the connection once their answers are out.
final class WireCheckHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Answers written before the handler looks at the socket's writability again, and
    /// the largest output buffer kept for the next read.
    static let outputLimit = 64 << 10

    let answers: PipelineAnswers
    /// Bytes read and not yet answered or passed on: the start of a request, or the
    /// requests behind a check on the readers.
    var unread: ByteBuffer?
    /// Whether the connection's bytes now all go to the codec.
    var passing = false
    /// Whether the channel has gone inactive.
    var closed = false
    /// Whether a socket read is being handled (NIO sends `channelReadComplete` after
    /// it); bytes passed on at any other time need one of their own.
    private var inRead = false
    private var client = PipelineAnswers.Client()
    private var date = HTTPDate()
    /// The answers of one read, and an answer's body, kept between reads: once the
    /// socket has taken them nothing else holds them, and their memory is written again.
    private var out: ByteBuffer?
    private var body: ByteBuffer?
    /// A read asked for while the channel was unwritable or a check was on the
    /// readers, issued once it drains or the check is answered.
    var readHeld = false
    /// The check being read on the check readers; the bytes after it wait in `unread`.
    var hop: PendingCheck?
    /// What the readers found for `hop`, answered by the next ``process(_:)``.
    var arrived: (pending: PendingCheck, found: PublicCheck.Found?)?
    /// End of input and shutdown notices that came while `hop` was out.
    var heldEvents: [Any] = []
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
        client = answers.client(of: context.channel)
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
        inRead = true
        defer { inRead = false }
        process(context)
    }

    /// Answers the complete plain requests in ``unread`` until one needs a read from
    /// disk (then waits for it), the codec (then passes the rest on), more bytes, or the
    /// socket to take what was written.
    func process(_ context: ChannelHandlerContext) {
        guard hop == nil, !passing, !closed, var buffer = unread.take() else { return }
        var output = out.take() ?? context.channel.allocator.buffer(capacity: 2048)
        output.clear()
        var forCodec = false
        scanning: while buffer.readableBytes > 0 {
            if output.readableBytes >= Self.outputLimit {
                flush(context, output)
                output = context.channel.allocator.buffer(capacity: 2048)
                guard context.channel.isWritable else { break }
            }
            let scan = PlainRequest.scan(buffer)
            guard case .plain(let request) = scan else {
                forCodec = scan == .notPlain
                break
            }
            switch respond(to: request, in: buffer, into: &output) {
            case .answered:
                buffer.moveReaderIndex(forwardBy: request.length)
            case .router:
                forCodec = true
                break scanning
            case .fromDisk(let pending):
                readOnCheckReaders(context, pending)
                break scanning
            }
        }
        if output.readableBytes > 0 { flush(context, output) }
        out = output.capacity <= Self.outputLimit ? output : nil
        // After the answers before it: whatever the codec's path answers comes later.
        if forCodec {
            pass(context, buffer)
        } else if buffer.readableBytes > 0 {
            unread = buffer
        }
    }

    private func flush(_ context: ChannelHandlerContext, _ output: ByteBuffer) {
        noticeActivity(context)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(output)), promise: nil)
    }

    /// Hands `buffer` and every byte after it to the HTTP codec, for good.
    func pass(_ context: ChannelHandlerContext, _ buffer: ByteBuffer?) {
        passing = true
        guard let buffer else { return }
        context.fireChannelRead(wrapInboundOut(buffer))
        // Hummingbird's request stream takes what was read at the end of a read.
        if !inRead { context.fireChannelReadComplete() }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    /// What became of one plain request.
    private enum Outcome {
        case answered
        /// The router's to answer: the request and everything after it go to the codec.
        case router
        /// A check whose record is not in memory: read on the check readers.
        case fromDisk(PendingCheck)
    }

    /// Writes the answer to `request` into `output` when it can be answered from memory
    /// (or the readers' read of it has arrived).
    private func respond(to request: PlainRequest, in buffer: ByteBuffer, into output: inout ByteBuffer) -> Outcome {
        if let (pending, found) = arrived.take() {
            guard let found, charged() else { return .router }
            write(answers.answer(found, route: pending.route, target: pending.target, clientIP: client.ip, started: pending.started, reusing: body.take()), to: &output)
            return .answered
        }
        let started = ContinuousClock.now
        let target = buffer.getString(at: buffer.readerIndex + request.target.lowerBound, length: request.target.count) ?? ""
        switch answers.ask(target: target) {
        case .health:
            guard let applied = answers.appliedSequenceInMemory(), charged() else { return .router }
            write(answers.health(applied: applied, reusing: body.take(), started: started), to: &output)
        case .check(let bytes, let route):
            guard let code = try? answers.service.store.parser.parse(bytes: bytes) else { return .router }
            guard let found = try? answers.check.lookInMemory(code) else {
                return .fromDisk(PendingCheck(code: code, route: route, target: target, started: started))
            }
            guard charged() else { return .router }
            write(answers.answer(found, route: route, target: target, clientIP: client.ip, started: started, reusing: body.take()), to: &output)
        case nil:
            return .router
        }
        return .answered
    }

    /// Takes the request from the client's rate limit: `false` when the client is past
    /// it (the limiter takes nothing then; the router charges and answers it).
    private func charged() -> Bool {
        guard let limiter = answers.rateLimit?.limiter else { return true }
        return limiter.take(client.key) == nil
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

    /// Tells the idle timer the connection is in use: at most once a second, unless
    /// `now` (a check going to the readers, with no answer written for a while).
    func noticeActivity(_ context: ChannelHandlerContext, now: Bool = false) {
        let time = context.eventLoop.now
        guard now || time - lastNotice >= .seconds(1) else { return }
        lastNotice = time
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
        if context.channel.isWritable, hop == nil, !passing {
            process(context)
            if readHeld, hop == nil {
                readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }
}

/// Sent up the pipeline by ``WireCheckHandler`` while it answers a connection's
/// requests, which the handlers behind the codec never see: the connection is not idle.
struct ConnectionInUse: Sendable {}
