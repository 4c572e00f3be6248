import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 connection with ``WireCheckHandler`` in front of the HTTP
/// codec. Hummingbird adds its `additionalChannelHandlers` after the codec, so a
/// handler that reads the socket's bytes first needs a child channel of its own;
/// everything else (the codec, the added handlers, the router) is `HTTP1Channel`'s.
struct WireCheckChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let answers: PipelineAnswers

    var responder: HTTPChannelHandler.Responder { http1.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(WireCheckHandler(answers: answers))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
