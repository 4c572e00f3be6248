import Foundation
import Hummingbird
import HummingbirdTesting
@testable import MarkingHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// The idle timeout, on the handlers every connection gets, in their order; time is
/// the embedded event loop's, moved by the test, so nothing here waits for a clock.
@Suite("Idle connections are closed")
struct IdleConnectionTests {
    /// A connected channel with the server's connection handlers and a 60 s idle timeout.
    func connection(_ service: MarkingService) async throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(MarkingApplication.connectionHandlers(service: service, idleTimeout: .seconds(60)))
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
        #expect(channel.isActive)
        return channel
    }

    @Test("A connection on which nothing arrives is closed once the idle timeout has passed, not before")
    func idleConnectionClosed() async throws {
        try await TestServer.run { _, service in
            let channel = try await connection(service)
            channel.embeddedEventLoop.advanceTime(by: .seconds(59))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(!channel.isActive)
        }
    }

    @Test("A request whose body stops arriving is closed the idle timeout after its last part")
    func stalledBodyClosed() async throws {
        try await TestServer.run { _, service in
            let channel = try await connection(service)
            channel.embeddedEventLoop.advanceTime(by: .seconds(30))
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/v1/documents")))
            channel.embeddedEventLoop.advanceTime(by: .seconds(45))
            // A body chunk is activity: the idle time counts again from it, not from the head.
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "0104607000000014")))
            channel.embeddedEventLoop.advanceTime(by: .seconds(59))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(!channel.isActive)
        }
    }

    @Test("While a request is being answered its connection stays open however long the answer takes; then the idle time counts")
    func answeringIsNotIdle() async throws {
        try await TestServer.run { _, service in
            let channel = try await connection(service)
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/orders/1/codes")))
            try channel.writeInbound(HTTPRequestPart.end(nil))
            channel.embeddedEventLoop.advanceTime(by: .seconds(600))
            #expect(channel.isActive)
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
            channel.embeddedEventLoop.advanceTime(by: .seconds(59))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(!channel.isActive)
        }
    }

    @Test("An answer the client stops reading is dropped the idle timeout after the socket last took a byte; a slow reader is not")
    func stalledDownloadClosed() async throws {
        try await TestServer.run { _, service in
            let channel = try await connection(service)
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/orders/1/codes")))
            try channel.writeInbound(HTTPRequestPart.end(nil))
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            // A slow reader: the socket fills and drains again, and the download goes on.
            for _ in 0..<5 {
                channel.isWritable = false
                channel.pipeline.fireChannelWritabilityChanged()
                channel.embeddedEventLoop.advanceTime(by: .seconds(50))
                channel.isWritable = true
                channel.pipeline.fireChannelWritabilityChanged()
                try channel.writeOutbound(HTTPResponsePart.body(ByteBuffer(string: "0104607000000014\n")))
                #expect(channel.isActive)
            }
            // Then the client stops reading: the socket stays full.
            channel.isWritable = false
            channel.pipeline.fireChannelWritabilityChanged()
            channel.embeddedEventLoop.advanceTime(by: .seconds(59))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(!channel.isActive)
        }
    }

    @Test("A keep-alive connection busy with checks answered in the pipeline is not idle, however long it runs")
    func checksInPipelineKeepConnection() async throws {
        try await TestServer.run { client, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let channel = try await connection(service)
            let check = PublicCheckHandlerTests().request("/api/v1/codes/\(percentEncoded(codes[0]))")
            for _ in 0..<10 {
                channel.embeddedEventLoop.advanceTime(by: .seconds(30))
                let sent = try PublicCheckHandlerTests().send(channel, check)
                #expect(sent.answer != nil, "answered in the pipeline")
                #expect(sent.routed.isEmpty)
                #expect(channel.isActive)
            }
            channel.embeddedEventLoop.advanceTime(by: .seconds(60))
            #expect(!channel.isActive)
        }
    }
}
