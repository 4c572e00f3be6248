import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request head
/// arrives, then passes the request on.
///
/// curl (and many HTTP libraries) send this header before a large body — a code list of
/// a million lines — and wait for the interim answer; Hummingbird sends none, so each
/// such upload stalled for curl's one-second timeout before a byte of the body moved.
/// The request is not judged here: a request refused later (bad token, bad query) is
/// still answered with its problem once the route sees it, as RFC 9110 allows.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data),
            let expect = request.headerFields[.expect], expect.lowercased() == "100-continue"
        {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
