import Dispatch
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MarkingCore
@testable import MarkingHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Answers written in the pipeline are the router's, byte for byte")
struct PipelineAnswerTests {
    @Test("Checks by path and by query, an unknown code and /health: same status line, headers in the same order and body as the router's; only the Date and the sequence's value may differ")
    func sameBytesAsTheRouter() async throws {
        try await withServerAndRouter { pipedClient, routedClient, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(pipedClient, count: 2)
            let unknownSerial = String(codes[0].dropFirst(18).prefix(while: { $0 != "\u{1D}" }).reversed())
            let unknown = "01" + codes[0].dropFirst(2).prefix(16) + unknownSerial
            let targets = [
                "/api/v1/codes/\(percentEncoded(codes[0]))", "/api/v1/codes?code=\(percentEncoded(codes[1]))",
                "/api/v1/codes/\(percentEncoded(unknown))", "/api/v1/health", "/api/v1/health?verbose=1",
            ]
            let pipedPort = try #require(pipedClient.port), routedPort = try #require(routedClient.port)
            for target in targets {
                // Audit lines still queued would change the applied sequence that
                // /health shows between the two answers.
                service.audit.writePending()
                let fromPipeline = try await rawExchange(port: pipedPort, target)
                let fromRouter = try await rawExchange(port: routedPort, target)
                #expect(fromPipeline.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(target): \(fromPipeline)")
                #expect(withoutDate(fromPipeline) == withoutDate(fromRouter), "\(target)")
                #expect(fromPipeline.contains("\r\nDate: ") && fromRouter.contains("\r\nDate: "), "\(target)")
            }
        }
    }

    @Test("/health is answered in the pipeline outside a cluster, with the store's applied sequence")
    func healthInThePipeline() async throws {
        try await TestServer.run { client, service in
            _ = try await PublicCheckHandlerTests().codes(client, count: 1)
            let channel = EmbeddedChannel(handler: PublicCheckHandler(service: service, serverName: "marking-server"))
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/health")))
            try channel.writeInbound(HTTPRequestPart.end(nil))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil, "not routed")
            guard case .head(let head)? = try channel.readOutbound(as: HTTPResponsePart.self),
                  case .body(let body)? = try channel.readOutbound(as: HTTPResponsePart.self)
            else {
                Issue.record("no answer")
                return
            }
            #expect(head.status == .ok)
            let applied = try service.store.readAppliedSequence()
            #expect(applied > 0)
            #expect(String(buffer: body) == #"{"appliedSequence":\#(applied),"status":"ok"}"#)
            _ = try channel.finish()
        }
    }

    @Test("With reads on the workers, a check crosses threads and still answers the same, in request order")
    func readsOnTheWorkers() async throws {
        try await TestServer.run { client, service in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 2)
            let channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandler(PublicCheckHandler(service: service, serverName: "marking-server", reads: .workers))
            }
            for code in codes {
                try await channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/codes/\(percentEncoded(code))")))
                try await channel.writeInbound(HTTPRequestPart.end(nil))
            }
            var bodies: [String] = []
            while bodies.count < 2 {
                if case .body(let body) = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self) { bodies.append(String(buffer: body)) }
            }
            #expect(bodies == (try codes.map { try PublicCheckTests().reference($0, service: service, caller: nil) }))
            #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil, "not routed")
            _ = try await channel.finish()
        }
    }

    @Test("With reads on the workers, a check the router must answer (a packed code) is not charged to the client's rate limit in the pipeline")
    func workersChargeOnlyWhatTheyAnswer() async throws {
        let limits = RateLimits(anonymous: .init(perSecond: 0.01, burst: 1), token: nil)
        try await TestServer.run(limits: limits) { client, service in
            let (producer, _, codes) = try await introducedCodes(client, count: 2)
            let packed = try await submitText(
                client, token: producer.token, query: "type=AGGREGATION&number=A-1&package=\(TestSupport.sscc(7))", codes: codes)
            #expect(try await finished(client, token: producer.token, id: packed["id"] as? Int ?? 0)["state"] as? String == "CHECKED_OK")
            let channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandler(PublicCheckHandler(service: service, serverName: "marking-server", reads: .workers))
            }
            try await channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/codes/\(percentEncoded(codes[0]))")))
            try await channel.writeInbound(HTTPRequestPart.end(nil))
            guard case .head = try await channel.waitForInboundWrite(as: HTTPRequestPart.self) else {
                Issue.record("the packed code's check was not handed to the router")
                return
            }
            let limiter = try #require(service.anonymousLimiter)
            #expect(limiter.take(limiter.key("unknown")) == nil, "the router's middleware must find the client's one token still there")
            _ = try await channel.finish()
        }
    }
}

/// Runs `body` with a live server as `serve` builds it and a live router-only server
/// (no pipeline stages) on one temporary service, for comparing their answers.
func withServerAndRouter(
    _ body: @Sendable (_ server: any TestClientProtocol, _ router: any TestClientProtocol, MarkingService) async throws -> Void
) async throws {
    let temporary = try TemporaryService()
    let service = temporary.service
    defer { temporary.close() }
    let server = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    let router = Application(
        router: MarkingApplication.buildRouter(service: service),
        configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: MarkingApplication.serverName))
    try await server.test(.live) { serverClient in
        try await router.test(.live) { routerClient in try await body(serverClient, routerClient, service) }
    }
}

/// The answer with the values of its `Date` and `X-Registry-Sequence` headers blanked,
/// their places kept: the time moves, and so does the sequence, since each check's
/// own audit line is a changeset of the registry.
func withoutDate(_ answer: String) -> String {
    answer.components(separatedBy: "\r\n").map { line in
        if line.hasPrefix("Date: ") { return "Date: …" }
        if line.hasPrefix("X-Registry-Sequence: "), UInt64(line.dropFirst("X-Registry-Sequence: ".count)) != nil { return "X-Registry-Sequence: …" }
        return line
    }.joined(separator: "\r\n")
}

/// Sends `GET target` over a new keep-alive loopback connection to `port` and returns
/// the answer exactly as it came off the socket (head and a `Content-Length` body).
/// Blocking socket calls, run off the test's task.
func rawExchange(port: Int, _ target: String) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try blockingExchange(port: port, target) })
        }
    }
}

private struct ExchangeError: Error {
    var what: String
}

private func blockingExchange(port: Int, _ target: String) throws -> String {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw ExchangeError(what: "socket") }
    defer { close(socket) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw ExchangeError(what: "connect") }
    let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
    guard send(socket, request, request.count, 0) == request.count else { throw ExchangeError(what: "send") }
    var answer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let text = String(decoding: answer, as: UTF8.self)
        if let end = text.range(of: "\r\n\r\n") {
            let head = text[..<end.lowerBound].lowercased()
            let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound) >= length { return text }
        }
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { throw ExchangeError(what: "recv (got \(answer.count) bytes)") }
        answer += chunk[0..<count]
    }
}
