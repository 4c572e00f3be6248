import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

@testable import LoadClient

/// The load generator's pacing: what the bench's figures rest on.
@Suite("The load generator's pacing and verification") struct RequestLoopTests {
    @Test("A sweep sends every request of the set exactly once, then ends")
    func aSweepSendsEveryRequestExactlyOnce() async throws {
        try await withCountingServer { server in
            let count = 1_000
            var builder = RequestSet.Builder(host: "127.0.0.1", port: server.port)
            for index in 0..<count { builder.add(target: "/\(index)", mustContain: Array("[\(index)]".utf8)) }
            let result = try await RequestLoop.run(
                builder.build(), expect: ResponseExpectation(status: 200, contains: []), pace: .sweep(connections: 7), warmup: .zero,
                duration: .seconds(60), host: "127.0.0.1", port: server.port, group: server.group)
            #expect(result.ok == count)
            #expect(result.errors == 0)
            let seen = server.targets.withLock { $0 }
            #expect(seen.count == count)
            #expect(seen.values.allSatisfy { $0 == 1 })
            #expect(Set(seen.keys) == Set((0..<count).map { "/\($0)" }))
        }
    }

    @Test("A sweep of fewer requests than connections ends too")
    func aSweepOfFewerRequestsThanConnectionsEndsToo() async throws {
        try await withCountingServer { server in
            var builder = RequestSet.Builder(host: "127.0.0.1", port: server.port)
            for index in 0..<3 { builder.add(target: "/\(index)", mustContain: []) }
            let result = try await RequestLoop.run(
                builder.build(), expect: ResponseExpectation(status: 200, contains: []), pace: .sweep(connections: 8), warmup: .zero,
                duration: .seconds(60), host: "127.0.0.1", port: server.port, group: server.group)
            #expect(result.ok == 3)
            #expect(server.targets.withLock { $0.values.reduce(0, +) } == 3)
        }
    }

    @Test("A send due at a fixed rate goes out on the next whole millisecond, never before it is due")
    func aSendDueAtAFixedRateWaitsForTheNextWholeMillisecondNeverLess() {
        let start = NIODeadline.uptimeNanoseconds(5_000_000_000)
        for (due, expected) in [(0, 0), (1, 1_000_000), (999_999, 1_000_000), (1_000_000, 1_000_000), (1_000_001, 2_000_000), (7_250_000, 8_000_000)] {
            let tick = LoopHandler.tick(after: start + .nanoseconds(Int64(due)), from: start)
            #expect(tick == start + .nanoseconds(Int64(expected)), "due \(due) ns after the start")
        }
    }

    @Test("An answer without the bytes its request expects is an error, not throughput")
    func anAnswerWithoutTheRequestsBytesIsAnErrorNotThroughput() async throws {
        try await withCountingServer { server in
            var builder = RequestSet.Builder(host: "127.0.0.1", port: server.port)
            builder.add(target: "/1", mustContain: Array("[2]".utf8))
            let result = try await RequestLoop.run(
                builder.build(), expect: ResponseExpectation(status: 200, contains: []), pace: .sweep(connections: 1), warmup: .zero,
                duration: .seconds(60), host: "127.0.0.1", port: server.port, group: server.group)
            #expect(result.ok == 0)
            #expect(result.errorKinds == ["body": 1])
        }
    }
}

/// A loopback HTTP/1.1 server answering `GET /x` with `200` and the body `[x]`,
/// counting the targets it was asked for.
final class CountingServer: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let targets = Mutex<[String: Int]>([:])
    private let channel = Mutex<(any Channel)?>(nil)

    var port: Int { channel.withLock { $0!.localAddress!.port! } }

    fileprivate func start() async throws {
        let bound = try await ServerBootstrap(group: group)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(CountingHandler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = bound }
    }

    fileprivate func stop() async {
        try? await channel.withLock { $0 }?.close()
        try? await group.shutdownGracefully()
    }
}

func withCountingServer(_ body: (CountingServer) async throws -> Void) async throws {
    let server = CountingServer()
    do {
        try await server.start()
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

final class CountingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: CountingServer
    private var target = ""

    init(server: CountingServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            target = head.uri
            server.targets.withLock { $0[head.uri, default: 0] += 1 }
        case .body:
            break
        case .end:
            let body = ByteBuffer(string: "[\(target.dropFirst())]")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
