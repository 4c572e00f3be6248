import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MarkingCore
@testable import MarkingHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@Suite("Public checks answered in the channel pipeline")
struct PublicCheckHandlerTests {
    /// A producer with a product card and `count` ordered codes.
    func codes(_ client: any TestClientProtocol, count: Int) async throws -> (Registered, [String]) {
        let owner = try await register(client)
        let product = gtin(460_700_000_001)
        try await client.execute(
            uri: "/api/v1/products/\(product)", method: .put, headers: headers(token: owner.token, json: true),
            body: body(["tradeName": "Milk", "country": "KZ"])
        ) { response in #expect(response.status == .created) }
        let id = try await order(client, token: owner.token, gtin: product, quantity: count)
        let codes = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: owner.token)) { response in
            text(response).split(separator: "\n").map(String.init)
        }
        return (owner, codes)
    }

    func request(_ path: String, token: String? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: path)
        if let token { request.headerFields[.authorization] = "Bearer \(token)" }
        return request
    }

    /// Sends one request into the handler: whether it answered, and what the router got.
    func send(_ channel: EmbeddedChannel, _ request: HTTPRequest) throws -> (answer: String?, routed: [HTTPRequestPart]) {
        try channel.writeInbound(HTTPRequestPart.head(request))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        var routed: [HTTPRequestPart] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) { routed.append(part) }
        guard case .head(let head)? = try channel.readOutbound(as: HTTPResponsePart.self) else { return (nil, routed) }
        #expect(head.status == .ok)
        #expect(head.headerFields[.contentType] == "application/json; charset=utf-8")
        #expect(head.headerFields[.server] == "marking-server")
        #expect(head.headerFields[.date]?.hasSuffix(" GMT") == true)
        guard case .body(let body)? = try channel.readOutbound(as: HTTPResponsePart.self),
              case .end? = try channel.readOutbound(as: HTTPResponsePart.self)
        else { return (nil, routed) }
        #expect(head.headerFields[.contentLength] == String(body.readableBytes))
        return (String(buffer: body), routed)
    }

    @Test("Anonymous checks in memory are answered here; tokens, unreadable codes and anything behind a routed request go on, in order")
    func answersOrRoutes() async throws {
        try await TestServer.run { client, service in
            let (owner, codes) = try await codes(client, count: 2)
            let channel = EmbeddedChannel(handler: PublicCheckHandler(service: service, serverName: "marking-server"))
            let expected = try PublicCheckTests().reference(codes[0], service: service, caller: nil)

            let direct = try send(channel, request("/api/v1/codes/\(percentEncoded(codes[0]))"))
            #expect(direct.answer == expected)
            #expect(direct.routed.isEmpty)
            let query = try send(channel, request("/api/v1/codes?format=x&code=\(percentEncoded(codes[0]))"))
            #expect(query.answer == expected)

            let withToken = try send(channel, request("/api/v1/codes/\(percentEncoded(codes[0]))", token: owner.token))
            #expect(withToken.answer == nil)
            #expect(withToken.routed.count == 2)
            // The router has not answered yet: the next check waits its turn behind it.
            let behind = try send(channel, request("/api/v1/codes/\(percentEncoded(codes[1]))"))
            #expect(behind.answer == nil)
            #expect(behind.routed.count == 2)
            for _ in 0..<2 {
                try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
                try channel.writeOutbound(HTTPResponsePart.end(nil))
            }
            while try channel.readOutbound(as: HTTPResponsePart.self) != nil {}
            #expect(try send(channel, request("/api/v1/codes/\(percentEncoded(codes[1]))")).answer != nil)

            for path in ["/api/v1/codes/nonsense", "/api/v1/codes/", "/api/v1/codes", "/api/v1/codes?code=", "/api/v1/orders/1"] {
                let passed = try send(channel, request(path))
                #expect(passed.answer == nil, "\(path)")
                #expect(passed.routed.count == 2, "\(path)")
                try channel.writeOutbound(HTTPResponsePart.end(nil))
                while try channel.readOutbound(as: HTTPResponsePart.self) != nil {}
            }
            _ = try channel.finish()
        }
    }

    @Test("A client that sends checks and does not read the answers is not read from until the socket drains")
    func unreadAnswersHoldReads() async throws {
        try await TestServer.run { _, service in
            try expectReadsHeldWhileUnwritable(PublicCheckHandler(service: service, serverName: "marking-server"))
        }
    }

    /// A pipeline stage that answers requests itself must not read more while the
    /// socket does not take its answers, and must read again once it does.
    func expectReadsHeldWhileUnwritable(_ handler: any ChannelHandler) throws {
        let reads = ReadCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(reads, handler)
        channel.read()
        #expect(reads.count == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        channel.read()
        #expect(reads.count == 1, "no read while the answers are not taken")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(reads.count == 2, "one read once they are")
    }

    @Test("Over a real connection the answers, the audit trail and the metrics are those of the router")
    func liveServer() async throws {
        let temporary = try TemporaryService()
        let service = temporary.service
        defer { temporary.close() }
        let application = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await application.test(.live) { client in
            let (owner, codes) = try await codes(client, count: 3)
            for (index, code) in codes.enumerated() {
                let token = index == 1 ? owner.token : nil
                let caller: Caller? = index == 1 ? .participant(try #require(try service.participants.participant(UInt32(owner.id)))) : nil
                let expected = try PublicCheckTests().reference(code, service: service, caller: caller)
                for _ in 0..<2 {
                    try await client.execute(uri: "/api/v1/codes/\(percentEncoded(code))", method: .get, headers: headers(token: token)) { response in
                        #expect(response.status == .ok)
                        #expect(text(response) == expected)
                        #expect(response.headers[.server] == "marking-server")
                    }
                }
            }
            let (entries, _) = try await auditEntries(client, service, query: "?participant=public")
            #expect(entries.count == 4)
            #expect(entries.allSatisfy { $0["route"] as? String == "/api/v1/codes/\(percentEncoded(codes[0]))" || $0["route"] as? String == "/api/v1/codes/\(percentEncoded(codes[2]))" })
            #expect(entries.allSatisfy { $0["status"] as? Int == 200 && $0["ip"] as? String == "127.0.0.1" })
            let metrics = try await client.execute(uri: "/api/v1/metrics", method: .get) { text($0) }
            #expect(metrics.contains(#"marking_http_requests_total{method="GET",route="/api/v1/codes/{code}",status="200"} 6"#), "\(metrics)")
        }
    }
}

/// Counts the reads that reach the socket's end of the pipeline.
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private(set) var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
