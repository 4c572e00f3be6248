import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import MarkingHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import TestSupport
import Testing

/// Whatever goes wrong while a request is read is the client's fault: a 4xx problem on
/// every route (router and pipeline alike), never a 5xx, and the server keeps answering.
@Suite("Malformed requests are answered 4xx")
struct MalformedRequestTests {
    /// One answer on a connection: its status, and for a problem its code.
    struct Answer: Sendable, CustomStringConvertible {
        var status: Int
        var code: String?

        /// A request that cannot be read: `request.malformed_http` unless another code.
        static func problem(_ status: Int, _ code: String = "request.malformed_http") -> Answer { Answer(status: status, code: code) }
        static func success(_ status: Int) -> Answer { Answer(status: status, code: nil) }
        var description: String { code.map { "\(status) \($0)" } ?? "\(status)" }
    }

    /// What is sent on one connection, and the answers it must get, in order.
    struct Exchange: Sendable, CustomStringConvertible {
        var requirement: String
        var bytes: String
        var answers: [Answer]
        /// Close the sending half after the bytes (a body cut off by the end of the stream).
        var halfClose = false
        var description: String { requirement }
    }

    static let badChunk = "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    static let violation = "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

    /// The exchanges, against `code`, a code the public check answers in the pipeline.
    static func exchanges(code: String) -> [Exchange] {
        [
            Exchange(requirement: "a non-hex chunk size on the public POST /violations is 400", bytes: violation + badChunk, answers: [.problem(400)]),
            Exchange(requirement: "a non-hex chunk size on a router GET is 400", bytes: "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + badChunk, answers: [.problem(400)]),
            Exchange(
                requirement: "a non-hex chunk size on a pipeline check is 400", bytes: "GET /api/v1/codes/\(code) HTTP/1.1\r\nHost: x\r\n" + badChunk,
                answers: [.problem(400)]),
            Exchange(
                requirement: "a non-hex chunk size on a token route is 400",
                bytes: "POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n" + badChunk, answers: [.problem(400)]),
            Exchange(requirement: "a request line that is not one is 400", bytes: "GARBAGE GARBAGE GARBAGE\r\n\r\n", answers: [.problem(400)]),
            Exchange(requirement: "a version that is not HTTP/1 is 400", bytes: "GET /api/v1/health HTTP/7.3\r\nHost: x\r\n\r\n", answers: [.problem(400)]),
            Exchange(
                requirement: "headers over the limit are 431",
                bytes: "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
                answers: [.problem(431, "request.headers_too_large")]),
            Exchange(
                requirement: "two different Content-Lengths are 400", bytes: violation + "Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
                answers: [.problem(400)]),
            Exchange(
                requirement: "chunked with a Content-Length is 400",
                bytes: violation + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", answers: [.problem(400)]),
            Exchange(
                requirement: "a body cut off by the end of the stream is 400", bytes: violation + "Content-Length: 100\r\n\r\n{\"code\": ",
                answers: [.problem(400)], halfClose: true),
            Exchange(
                requirement: "a chunked body cut off by the end of the stream is 400",
                bytes: violation + "Transfer-Encoding: chunked\r\n\r\n9\r\n{\"code\": ", answers: [.problem(400)], halfClose: true),
            Exchange(
                requirement: "garbage pipelined behind a good request: the request is answered, then the garbage gets its 400",
                bytes: "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n\u{1}\u{2}not http at all\r\n\r\n", answers: [.success(200), .problem(400)]),
            Exchange(
                requirement: "a whole request followed by a half-closed socket is still answered",
                bytes: violation + "Content-Length: 22\r\n\r\n{\"code\": \"not a code\"}", answers: [.success(201)], halfClose: true),
        ]
    }

    /// The answers in what a connection received, each from its status line on (a
    /// problem's detail may name HTTP/1.1 too), as its status, its problem code and
    /// its own text.
    static func answers(in received: String) -> [(status: Int?, code: String?, text: Substring)] {
        let starts = received.ranges(of: #/HTTP/1\.1 \d{3} /#).map(\.lowerBound)
        return zip(starts, starts.dropFirst() + [received.endIndex]).map { start, end in
            let text = received[start..<end]
            let status = Int(text.dropFirst(9).prefix(3))
            let code = text.range(of: #""code":"[a-z_.]+""#, options: .regularExpression).map { String(text[$0].dropFirst(8).dropLast()) }
            return (status, code, text)
        }
    }

    @Test("Bad chunking, bad request lines, huge headers, conflicting lengths, cut-off bodies and pipelined garbage get their 4xx problem on every route; whole requests are answered; the server keeps answering")
    func exchanges() async throws {
        let temporary = try TemporaryService()
        let service = temporary.service
        defer { temporary.close() }
        let application = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await application.test(.live) { client in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let port = UInt16(try #require(client.port))
            for exchange in Self.exchanges(code: percentEncoded(codes[0])) {
                let received = try await offThePool {
                    let connection = try RawConnection(port: port)
                    try connection.send(exchange.bytes)
                    if exchange.halfClose { connection.shutdownWrite() }
                    return connection.receiveAll()
                }
                let answers = Self.answers(in: received)
                // Exactly the answers expected: no bare second 400 behind a problem.
                #expect(answers.count == exchange.answers.count, "\(exchange): \(received.prefix(600))")
                #expect(received.components(separatedBy: "Server: marking-server").count == exchange.answers.count + 1, "\(exchange)")
                for (answer, expected) in zip(answers, exchange.answers) {
                    #expect(answer.status == expected.status, "\(exchange): \(answer.text.prefix(300))")
                    guard let code = expected.code else { continue }
                    #expect(answer.code == code, "\(exchange): \(answer.text.prefix(300))")
                    #expect(answer.text.lowercased().contains("connection: close"), "\(exchange): \(answer.text.prefix(300))")
                    #expect(answer.text.contains("application/problem+json"), "\(exchange)")
                }
            }
            try await client.execute(uri: "/api/v1/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("A body still arriving past the body deadline is answered 408 in place of the route's answer, and the connection closed")
    func bodyDeadline() async throws {
        try await TestServer.run { _, service in
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandlers(MarkingApplication.connectionHandlers(service: service, idleTimeout: .seconds(60)))
            try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
            var head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/v1/violations")
            head.headerFields[.contentType] = "application/json"
            try channel.writeInbound(HTTPRequestPart.head(head))
            // A byte every 30 s keeps the idle timeout away; the body deadline does not move.
            for _ in 0..<2 {
                channel.embeddedEventLoop.advanceTime(by: .seconds(29))
                try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: " ")))
            }
            while try channel.readInbound(as: HTTPRequestPart.self) != nil {}
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            // The route reading the body sees the problem as its read's error.
            #expect(throws: Problem.self) { try channel.throwIfErrorCaught() }
            // Whatever the route then answers, the client gets the 408.
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .badRequest)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
            guard case .head(let answer)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
                Issue.record("no answer")
                return
            }
            #expect(answer.status.code == 408)
            guard case .body(let body)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
                Issue.record("no body")
                return
            }
            #expect(String(buffer: body).contains("request.body_timeout"))
            #expect(!channel.isActive)
        }
    }
}
