import MarkingCore
import NIOCore

/// The checks ``WireCheckHandler`` reads on the check readers, and the connection's
/// events that wait for them.
extension WireCheckHandler {
    /// A check being read on the check readers.
    struct PendingCheck: Sendable {
        var code: MarkingCode
        var route: String
        var target: String
        var started: ContinuousClock.Instant
    }

    /// Reads a check's record on the check readers, holding the connection's later
    /// bytes (and its reads) until the answer is written back on the event loop.
    func readOnCheckReaders(_ context: ChannelHandlerContext, _ pending: PendingCheck) {
        hop = pending
        noticeActivity(context, now: true)
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        answers.readOnCheckReaders(pending.code, loop: context.eventLoop) { found in
            let (handler, context) = bound.value
            handler.hopped(context, found)
        }
    }

    /// The end of ``readOnCheckReaders(_:_:)``: the answer (or the router's turn), the bytes
    /// that waited, then the events that did.
    private func hopped(_ context: ChannelHandlerContext, _ found: PublicCheck.Found?) {
        guard let pending = hop.take() else { return }
        guard !closed else {
            unread = nil
            return
        }
        arrived = (pending, found)
        process(context)
        arrived = nil
        if hop == nil, readHeld, context.channel.isWritable {
            readHeld = false
            context.read()
        }
        while hop == nil, !heldEvents.isEmpty {
            handle(context, heldEvents.removeFirst())
        }
    }

    /// The end of input, or the server's notice that it is shutting down: waits while
    /// a check is on the readers; then the bytes not answered go to the codec (which
    /// answers or reports a request cut short as it would have) and so does the event.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let waits = (event as? ChannelEvent) == .inputClosed || event is ChannelShouldQuiesceEvent
        guard waits, !passing else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if hop != nil {
            heldEvents.append(event)
        } else {
            handle(context, event)
        }
    }

    private func handle(_ context: ChannelHandlerContext, _ event: Any) {
        if !passing { pass(context, unread.take()) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if hop == nil, !passing { pass(context, unread.take()) }
        context.fireChannelInactive()
    }
}
