import HTTPTypes
import NIOCore
import NIOHTTPTypes

extension Problem {
    /// Writes this problem as a whole answer from a channel handler in front of the
    /// router (``RequestGuardHandler``, ``PublicCheckHandler``): the same headers and
    /// body as ``response(in:)``, with its length and `Server` header; with `close`,
    /// `Connection: close` and the connection closed once the answer is written.
    func write<Handler: ChannelOutboundHandler>(
        through handler: Handler, context: ChannelHandlerContext, language: Language, serverName: String, close: Bool
    ) where Handler.OutboundOut == HTTPResponsePart {
        let body = encodedBody(in: language)
        var headers = headers(in: language)
        headers[.contentLength] = String(body.readableBytes)
        headers[.server] = serverName
        if close { headers[.connection] = "close" }
        context.write(handler.wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: headers))), promise: nil)
        context.write(handler.wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: written)
        if close {
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
