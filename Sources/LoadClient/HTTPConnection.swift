import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A request for ``HTTPConnection/execute(_:consumer:timeout:)``.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path with its query, already percent-encoded.
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: RequestBody

    public init(_ method: String, _ target: String, headers: [(name: String, value: String)] = [], body: RequestBody = .none) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }
}

/// Where a request body comes from.
public enum RequestBody: Sendable {
    case none
    case bytes([UInt8])
    /// A file streamed from disk as the connection can take it, never read whole into
    /// memory: how a million-line document goes up.
    case file(path: String)
}

/// A finished exchange.
public struct HTTPResult: Sendable {
    public var status: Int
    /// The body, when no consumer took it.
    public var body: [UInt8]
}

/// Takes a response body as it streams in, on the connection's event loop; throwing
/// ends the exchange with ``LoadClientError/Code/consume``.
public protocol BodyConsumer: Sendable {
    func consume(_ bytes: ByteBuffer) throws
}

/// One keep-alive HTTP/1.1 connection for set-up calls and streamed transfers, one
/// exchange at a time: uploads stream from a file with back-pressure, downloads go to
/// a ``BodyConsumer`` as they arrive.
public final class HTTPConnection: Sendable {
    private let channel: any Channel
    /// The `Host` header value.
    private let authority: String

    private init(channel: any Channel, authority: String) {
        self.channel = channel
        self.authority = authority
    }

    /// Opens a connection to `host:port` on one of `group`'s event loops.
    public static func connect(host: String, port: Int, group: any EventLoopGroup) async throws(LoadClientError) -> HTTPConnection {
        let authority = "\(host):\(port)"
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(ByteToMessageHandler(ResponseDecoder()))
                        try sync.addHandler(ExchangeHandler(authority: authority))
                    }
                }
                .connect(host: host, port: port).get()
            return HTTPConnection(channel: channel, authority: authority)
        } catch {
            throw LoadClientError(.connect, "cannot connect to \(authority): \(error)")
        }
    }

    /// Sends `request` and waits for the whole response. With a `consumer` the body
    /// goes to it as it arrives; without one it is collected (up to 64 MiB).
    public func execute(
        _ request: HTTPRequest, consumer: (any BodyConsumer)? = nil, timeout: Duration = .seconds(600)
    ) async throws(LoadClientError) -> HTTPResult {
        let promise = channel.eventLoop.makePromise(of: HTTPResult.self)
        let exchange = Exchange(request: request, consumer: consumer, promise: promise, timeout: TimeAmount(timeout))
        channel.writeAndFlush(exchange, promise: nil)
        do {
            return try await promise.futureResult.get()
        } catch let error as LoadClientError {
            throw error
        } catch {
            throw LoadClientError(.closed, "\(error)")
        }
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// One request in flight on an ``ExchangeHandler``.
struct Exchange: Sendable {
    var request: HTTPRequest
    var consumer: (any BodyConsumer)?
    var promise: EventLoopPromise<HTTPResult>
    var timeout: TimeAmount
}

/// Writes an ``Exchange``'s request (streaming a file body as the socket drains) and
/// completes its promise with the response. Lives on the connection's event loop.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = ResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = ByteBuffer

    /// The most body bytes collected for a caller without a consumer.
    static let collectLimit = 64 << 20
    /// Bytes read from an upload file per write.
    static let uploadChunk = 256 * 1024

    private let authority: String
    private var current: Exchange?
    private var status = 0
    private var collected = ByteBuffer()
    private var upload: (descriptor: Int32, offset: Int, remaining: Int)?
    private var timer: Scheduled<Void>?

    init(authority: String) {
        self.authority = authority
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        promise?.succeed(())
        guard current == nil else {
            exchange.promise.fail(LoadClientError(.busy, "one exchange at a time per connection"))
            return
        }
        var head = context.channel.allocator.buffer(capacity: 256)
        head.writeString("\(exchange.request.method) \(exchange.request.target) HTTP/1.1\r\nHost: \(authority)\r\n")
        for (name, value) in exchange.request.headers { head.writeString("\(name): \(value)\r\n") }
        switch exchange.request.body {
        case .none:
            if exchange.request.method != "GET" { head.writeString("Content-Length: 0\r\n") }
        case .bytes(let bytes):
            head.writeString("Content-Length: \(bytes.count)\r\n")
        case .file(let path):
            let descriptor = open(path, O_RDONLY)
            var info = stat()
            guard descriptor >= 0, fstat(descriptor, &info) == 0 else {
                if descriptor >= 0 { closeDescriptor(descriptor) }
                exchange.promise.fail(LoadClientError(.upload, "cannot open \(path)"))
                return
            }
            upload = (descriptor, 0, Int(info.st_size))
            head.writeString("Content-Length: \(info.st_size)\r\n")
        }
        head.writeString("\r\n")
        current = exchange
        status = 0
        collected.clear()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: exchange.timeout) { [self] in
            fail(context, LoadClientError(.timeout, "no complete response in \(exchange.timeout.nanoseconds / 1_000_000_000) s"))
        }
        context.write(wrapOutboundOut(head), promise: nil)
        if case .bytes(let bytes) = exchange.request.body, !bytes.isEmpty {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        }
        pump(context)
        context.flush()
    }

    /// Writes upload chunks while the channel is writable.
    private func pump(_ context: ChannelHandlerContext) {
        while let (descriptor, offset, remaining) = upload, remaining > 0, context.channel.isWritable {
            let size = min(remaining, Self.uploadChunk)
            var chunk = context.channel.allocator.buffer(capacity: size)
            let read = chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { pointer in
                max(0, pread(descriptor, pointer.baseAddress, size, off_t(offset)))
            }
            guard read > 0 else {
                fail(context, LoadClientError(.upload, "the upload file ended early"))
                return
            }
            upload = (descriptor, offset + read, remaining - read)
            context.write(wrapOutboundOut(chunk), promise: nil)
        }
        if let (descriptor, _, remaining) = upload, remaining == 0 {
            closeDescriptor(descriptor)
            upload = nil
        }
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, upload != nil { pump(context) }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else {
            fail(context, LoadClientError(.malformedResponse, "a response without a request"))
            return
        }
        switch unwrapInboundIn(data) {
        case .whole(let head, let body):
            status = head.status
            take(context, exchange, body)
            finish(context, keepAlive: head.keepAlive)
        case .head(let head):
            status = head.status
            if !head.keepAlive { keepAliveRefused = true }
        case .body(let body):
            take(context, exchange, body)
        case .end:
            finish(context, keepAlive: !keepAliveRefused)
        }
    }

    private var keepAliveRefused = false

    private func take(_ context: ChannelHandlerContext, _ exchange: Exchange, _ body: ByteBuffer) {
        guard current != nil else { return }
        if let consumer = exchange.consumer {
            do {
                try consumer.consume(body)
            } catch {
                fail(context, LoadClientError(.consume, "\(error)"))
            }
        } else if collected.readableBytes + body.readableBytes <= Self.collectLimit {
            var body = body
            collected.writeBuffer(&body)
        }
    }

    private func finish(_ context: ChannelHandlerContext, keepAlive: Bool) {
        guard let exchange = current else { return }
        current = nil
        timer?.cancel()
        timer = nil
        keepAliveRefused = false
        // A response that arrives before the upload is done (a refusal) leaves the
        // request unfinished on the wire: the connection cannot be reused.
        let unfinishedUpload = upload != nil
        if let (descriptor, _, _) = upload {
            closeDescriptor(descriptor)
            upload = nil
        }
        let body = collected.readBytes(length: collected.readableBytes) ?? []
        collected.clear()
        exchange.promise.succeed(HTTPResult(status: status, body: body))
        if !keepAlive || unfinishedUpload { context.close(promise: nil) }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: LoadClientError) {
        if let (descriptor, _, _) = upload {
            closeDescriptor(descriptor)
            upload = nil
        }
        timer?.cancel()
        timer = nil
        if let exchange = current {
            current = nil
            exchange.promise.fail(error)
        }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, error as? LoadClientError ?? LoadClientError(.closed, "\(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, LoadClientError(.closed, "the server closed the connection"))
        context.fireChannelInactive()
    }
}

/// Closes a file descriptor (a free function: inside a channel handler `close` names
/// the handler's own outbound operation).
private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
