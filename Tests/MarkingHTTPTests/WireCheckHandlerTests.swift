import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
@testable import MarkingHTTP
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@Suite("Plain checks answered from the socket's bytes, ahead of the HTTP codec")
struct WireCheckHandlerTests {
    func channel(_ service: MarkingService, behind: [any ChannelHandler] = []) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WireCheckHandler(answers: PipelineAnswers(service: service, serverName: "marking-server")))
        try channel.pipeline.syncOperations.addHandlers(behind)
        return channel
    }

    /// The handler alone on a channel whose event loop runs apart from the test, for
    /// checks that hop to the check readers and back.
    func asyncChannel(_ service: MarkingService) async throws -> NIOAsyncTestingChannel {
        try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(WireCheckHandler(answers: PipelineAnswers(service: service, serverName: "marking-server")))
        }
    }

    func get(_ target: String, _ headers: String = "Host: 127.0.0.1\r\n") -> String {
        "GET \(target) HTTP/1.1\r\n\(headers)\r\n"
    }

    /// The writes the handler made, each as text.
    func writes(_ channel: EmbeddedChannel) throws -> [String] {
        var writes: [String] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { continue }
            writes.append(String(buffer: buffer))
        }
        return writes
    }

    /// The bytes handed on to the codec, as text.
    func passed(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    /// Splits answers written back to back into their heads and bodies.
    func answers(_ text: String) -> [(head: [String], body: String)] {
        var rest = Substring(text)
        var answers: [(head: [String], body: String)] = []
        while let end = rest.range(of: "\r\n\r\n") {
            let head = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            let length = head.first { $0.hasPrefix("Content-Length: ") }.flatMap { Int($0.dropFirst("Content-Length: ".count)) } ?? 0
            let body = rest[end.upperBound...].utf8.prefix(length)
            answers.append((head, String(decoding: body, as: UTF8.self)))
            rest = rest[end.upperBound...].dropFirst(body.count)
        }
        return answers
    }

    @Test("Checks by path and by query and /health sent together: answered in one write, the router's head and the check's JSON, nothing for the codec")
    func plainChecksAnswered() async throws {
        try await TestServer.run { client, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 2)
            let channel = try channel(service)
            let requests = get("/api/v1/codes/\(percentEncoded(codes[0]))") + get("/api/v1/codes?code=\(percentEncoded(codes[1]))", "")
                + get("/api/v1/health", "Connection: keep-alive\r\n")
            try channel.writeInbound(ByteBuffer(string: requests))
            let written = try writes(channel)
            #expect(written.count == 1, "one write for the requests of one read")
            let answers = answers(written.joined())
            #expect(answers.count == 3)
            for answer in answers {
                let names = answer.head.dropFirst().map { String($0.prefix { $0 != ":" }) }
                #expect(answer.head.first == "HTTP/1.1 200 OK")
                #expect(names == ["Content-Type", "Content-Length", "X-Registry-Sequence", "Date", "Server"])
                #expect(answer.head.contains("Content-Type: application/json; charset=utf-8"))
                #expect(answer.head.contains("Server: marking-server"))
            }
            #expect(answers.prefix(2).map(\.body) == (try codes.map { try PublicCheckTests().reference($0, service: service, caller: nil) }))
            #expect(answers.last?.body.hasPrefix(#"{"appliedSequence":"#) == true)
            #expect(try passed(channel).isEmpty)
            _ = try channel.finish()
        }
    }

    @Test("A request cut anywhere across two reads is answered once its last byte has come")
    func requestAcrossReads() async throws {
        try await TestServer.run { client, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let request = Array(get("/api/v1/codes/\(percentEncoded(codes[0]))").utf8)
            let expected = try PublicCheckTests().reference(codes[0], service: service, caller: nil)
            for cut in [1, 4, 20, request.count - 3, request.count - 1] {
                let channel = try channel(service)
                try channel.writeInbound(ByteBuffer(bytes: request[..<cut]))
                #expect(try writes(channel).isEmpty, "cut at \(cut)")
                try channel.writeInbound(ByteBuffer(bytes: request[cut...]))
                #expect(answers(try writes(channel).joined()).map(\.body) == [expected], "cut at \(cut)")
                #expect(try passed(channel).isEmpty)
                _ = try channel.finish()
            }
        }
    }

    @Test("The first request it cannot answer goes to the codec with every byte after it, unchanged and after the answers before it; later reads follow")
    func restGoesToTheCodec() async throws {
        try await TestServer.run { client, service in
            let (owner, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let check = get("/api/v1/codes/\(percentEncoded(codes[0]))")
            for other in [
                get("/api/v1/codes/\(percentEncoded(codes[0]))", "Authorization: Bearer \(owner.token)\r\n"),
                get("/api/v1/codes/nonsense"), get("/api/v1/orders/1"), "POST /api/v1/codes/info HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]",
                "GARBAGE\r\n\r\n",
            ] {
                let channel = try channel(service)
                try channel.writeInbound(ByteBuffer(string: check + other + check))
                #expect(answers(try writes(channel).joined()).count == 1, "\(other)")
                #expect(try passed(channel) == other + check, "\(other)")
                try channel.writeInbound(ByteBuffer(string: check))
                #expect(try writes(channel).isEmpty, "once passing, always passing")
                #expect(try passed(channel) == check)
                _ = try channel.finish()
            }
        }
    }

    /// A service over a store holding `count` checkable codes, flushed and opened again:
    /// a store opened again starts with an empty block cache, so the records need their
    /// files. Returns it with the codes; close the service, then remove `folder`.
    func serviceWithCodesOnDisk(count: Int, in folder: TemporaryStore) async throws -> (MarkingService, [String]) {
        let codes = try await {
            let service = try MarkingService(store: try folder.open(), admin: AdminToken(secret: adminSecret))
            defer { service.close() }
            let application = Application(router: MarkingApplication.buildRouter(service: service))
            let codes = try await application.test(.router) { client in try await PublicCheckHandlerTests().codes(client, count: count).1 }
            try service.store.flush()
            return codes
        }()
        return (try MarkingService(store: try folder.open(), admin: AdminToken(secret: adminSecret)), codes)
    }

    @Test("Checks whose records are on disk are read on the check readers; the requests behind them wait and are answered after them, in order")
    func recordsOnDisk() async throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let (service, codes) = try await serviceWithCodesOnDisk(count: 3, in: folder)
        defer { service.close() }
        let code = try service.store.parser.parse(codes[0])
        #expect(try PublicCheck(service: service).lookInMemory(code) == nil, "the record is not in memory")
        let channel = try await asyncChannel(service)
        try await channel.writeInbound(ByteBuffer(string: codes.map { get("/api/v1/codes/\(percentEncoded($0))") }.joined()))
        var text = ""
        while answers(text).count < 3 {
            guard case .byteBuffer(let buffer) = try await channel.waitForOutboundWrite(as: IOData.self) else { continue }
            text += String(buffer: buffer)
        }
        #expect(answers(text).map(\.body) == (try codes.map { try PublicCheckTests().reference($0, service: service, caller: nil) }))
        #expect(try await channel.readInbound(as: ByteBuffer.self) == nil, "nothing for the codec")
        _ = try await channel.finish()
    }

    @Test("A check whose record is on disk is answered while the store workers are held by other work (an order, a document)")
    func recordOnDiskWhileWorkersAreBusy() async throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let (service, codes) = try await serviceWithCodesOnDisk(count: 1, in: folder)
        defer { service.close() }
        #expect(try PublicCheck(service: service).lookInMemory(try service.store.parser.parse(codes[0])) == nil, "the record is not in memory")
        // A barrier on this service's store workers: whatever is queued on them after it
        // waits until the test lets it go (or 60 s pass, which `timeUp` tells). Other
        // tests' workers are other queues and do not wait. No clock is read: a loaded
        // machine makes the check slow, not wrong.
        let held = DispatchSemaphore(value: 0), timeUp = DispatchSemaphore(value: 0)
        service.workers.queue.async(flags: .barrier) {
            if held.wait(timeout: .now() + 60) == .timedOut { timeUp.signal() }
        }
        defer { held.signal() }
        let channel = try await asyncChannel(service)
        try await channel.writeInbound(ByteBuffer(string: get("/api/v1/codes/\(percentEncoded(codes[0]))")))
        var text = ""
        while answers(text).isEmpty {
            guard case .byteBuffer(let buffer) = try await channel.waitForOutboundWrite(as: IOData.self) else { continue }
            text += String(buffer: buffer)
        }
        #expect(timeUp.wait(timeout: .now()) == .timedOut, "the check was answered only once the store workers were let go")
        #expect(answers(text).map(\.body) == [try PublicCheckTests().reference(codes[0], service: service, caller: nil)])
        _ = try await channel.finish()
    }

    @Test("Over a real connection a packed code's check, read on the workers and left to the router, gets the router's answer, and the connection goes on")
    func packedCodeOverTheWire() async throws {
        try await withServerAndRouter { client, routedClient, service in
            let (producer, _, codes) = try await introducedCodes(client, count: 2)
            let packed = try await submitText(
                client, token: producer.token, query: "type=AGGREGATION&number=A-1&package=\(TestSupport.sscc(7))", codes: codes)
            #expect(try await finished(client, token: producer.token, id: packed["id"] as? Int ?? 0)["state"] as? String == "CHECKED_OK")
            let target = "/api/v1/codes/\(percentEncoded(codes[0]))"
            service.audit.writePending()
            let fromWire = try await rawExchange(port: try #require(client.port), target)
            let fromRouter = try await rawExchange(port: try #require(routedClient.port), target)
            #expect(fromWire.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(fromWire)")
            #expect(fromWire.contains(#""packages""#), "the router's full answer")
            #expect(withoutDate(fromWire) == withoutDate(fromRouter))
        }
    }

    @Test("Pipelined requests answer in writes of about outputLimit bytes, every one of them, in order")
    func outputInLimitedWrites() async throws {
        try await TestServer.run { _, service in
            let channel = try channel(service)
            let count = WireCheckHandler.outputLimit / 100
            try channel.writeInbound(ByteBuffer(string: String(repeating: get("/api/v1/health"), count: count)))
            let written = try writes(channel)
            #expect(written.count > 1)
            #expect(written.allSatisfy { $0.utf8.count < WireCheckHandler.outputLimit + 1024 })
            #expect(answers(written.joined()).count == count)
            _ = try channel.finish()
        }
    }

    @Test("/health is charged to the client's rate limit as the router charges it; past it, it is left to the router")
    func healthIsCharged() async throws {
        try await TestServer.run(limits: RateLimits(anonymous: .init(perSecond: 0.01, burst: 1), token: nil)) { _, service in
            let channel = try channel(service)
            let health = get("/api/v1/health")
            try channel.writeInbound(ByteBuffer(string: health + health))
            #expect(answers(try writes(channel).joined()).count == 1)
            #expect(try passed(channel) == health)
            _ = try channel.finish()
        }
    }

    @Test("A client past its rate limit is left to the router, which charges and answers it; the handler does not charge it")
    func pastTheRateLimit() async throws {
        try await TestServer.run(limits: RateLimits(anonymous: .init(perSecond: 0.01, burst: 2), token: nil)) { client, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let limiter = try #require(service.anonymousLimiter)
            #expect(limiter.take(limiter.key("unknown")) == nil, "one of the two tokens spent beforehand")
            let check = get("/api/v1/codes/\(percentEncoded(codes[0]))")
            let channel = try channel(service)
            try channel.writeInbound(ByteBuffer(string: check + check))
            #expect(answers(try writes(channel).joined()).count == 1)
            #expect(try passed(channel) == check)
            _ = try channel.finish()
        }
    }

    @Test("A client that sends checks and does not read the answers is not read from until the socket drains")
    func unreadAnswersHoldReads() async throws {
        try await TestServer.run { _, service in
            try PublicCheckHandlerTests().expectReadsHeldWhileUnwritable(
                WireCheckHandler(answers: PipelineAnswers(service: service, serverName: "marking-server")))
        }
    }

    @Test("A connection busy with checks answered here is not idle to the idle timer behind the codec; once quiet it is closed")
    func busyIsNotIdle() async throws {
        try await TestServer.run { client, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let channel = try channel(service, behind: MarkingApplication.connectionHandlers(service: service, idleTimeout: .seconds(60)))
            try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
            for _ in 0..<10 {
                channel.embeddedEventLoop.advanceTime(by: .seconds(30))
                try channel.writeInbound(ByteBuffer(string: get("/api/v1/codes/\(percentEncoded(codes[0]))")))
                #expect(answers(try writes(channel).joined()).count == 1)
                #expect(channel.isActive)
            }
            channel.embeddedEventLoop.advanceTime(by: .seconds(60))
            #expect(!channel.isActive)
        }
    }
}
