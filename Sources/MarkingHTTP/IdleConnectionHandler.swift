import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection on which nothing has happened for ``timeout``: no request part
/// read and no answer being written. Without it an idle keep-alive connection, or a
/// client that opens a connection and sends a header byte a minute (or stops halfway
/// through a body), holds its socket and buffers for ever.
///
/// Time counts from the last whole request part (head, body chunk, end) or response
/// part: a head trickled in byte by byte is not activity until it is complete. While
/// a request has been read and its answer is still being made or streamed (an order
/// of millions of codes, a long download), the connection is not idle, unless the
/// answer is stuck behind a client that stopped reading it: when the socket has not
/// taken a byte (the channel stays unwritable, so nothing more is written) for
/// ``timeout``, the connection is closed and the download's buffers freed.
///
/// Requests that ``WireCheckHandler`` answers before the codec never reach it; that
/// handler reports them as ``ConnectionInUse``.
///
/// This is Hummingbird's `idleTimeout` (`HTTPConnectionStateHandler`), placed first
/// among the added handlers instead of last: checks that ``PublicCheckHandler``
/// answers in the pipeline never reach a handler behind it, so there a keep-alive
/// client doing nothing but such checks would look idle and be cut off mid-stream.
/// Deadlines come from the event loop's clock, so tests can move time.
final class IdleConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a connection may stay idle before it is closed.
    let timeout: TimeAmount
    private var lastActive = NIODeadline.uptimeNanoseconds(0)
    /// Requests whose head has arrived and whose answer has not ended.
    private var unanswered = 0
    /// A request whose head has arrived and whose end has not.
    private var reading = false
    /// Since when the channel has been unwritable: the client is not reading what is
    /// written to it.
    private var stalledSince: NIODeadline?
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActive = context.eventLoop.now
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            reading = true
        case .body:
            break
        case .end:
            reading = false
        }
        context.fireChannelRead(data)
    }

    /// Requests answered ahead of the codec (``WireCheckHandler``) are activity too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ConnectionInUse else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        lastActive = context.eventLoop.now
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stalledSince = nil
        } else if stalledSince == nil, check != nil {
            let now = context.eventLoop.now
            stalledSince = now
            // The stall is judged `timeout` from now, not at a check planned for later.
            check?.cancel()
            schedule(context, at: max(now, lastActive) + timeout)
        }
        context.fireChannelWritabilityChanged()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActive = context.eventLoop.now
        if case .end = unwrapOutboundIn(data) { unanswered = max(0, unanswered - 1) }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard check == nil else { return }
        lastActive = context.eventLoop.now
        schedule(context, at: lastActive + timeout)
    }

    private func stop() {
        check?.cancel()
        check = nil
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            check = nil
            let now = context.eventLoop.now
            if unanswered > 0, !reading, let stalledSince {
                // Answering, to a client that does not read.
                let deadline = max(stalledSince, lastActive) + timeout
                if now >= deadline { context.close(promise: nil) } else { schedule(context, at: deadline) }
            } else if unanswered > 0, !reading {
                // Answering: not idle, whatever the time since the last part.
                schedule(context, at: now + timeout)
            } else if now >= lastActive + timeout {
                context.close(promise: nil)
            } else {
                schedule(context, at: lastActive + timeout)
            }
        }
    }
}
