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
    /// A request that cannot be read, and the status and problem code it must get.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var bytes: String
        var status: Int
        var code: String = "request.malformed_http"
        /// Close the sending half after the bytes (a body cut off by the end of the stream).
        var halfClose = false
        var description: String { name }
    }

    static let badChunk = "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"

    /// The cases, against `code`, a code the public check answers in the pipeline.
    static func cases(code: String) -> [Case] {
        [
            Case(name: "non-hex chunk size, public POST /violations", bytes: "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + badChunk, status: 400),
            Case(name: "non-hex chunk size, router GET", bytes: "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + badChunk, status: 400),
            Case(name: "non-hex chunk size, pipeline check", bytes: "GET /api/v1/codes/\(code) HTTP/1.1\r\nHost: x\r\n" + badChunk, status: 400),
            Case(name: "non-hex chunk size, token route", bytes: "POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n" + badChunk, status: 400),
            Case(name: "bad request line", bytes: "GARBAGE GARBAGE GARBAGE\r\n\r\n", status: 400),
            Case(name: "not HTTP/1", bytes: "GET /api/v1/health HTTP/7.3\r\nHost: x\r\n\r\n", status: 400),
            Case(
                name: "headers too large", bytes: "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
                status: 431, code: "request.headers_too_large"),
            Case(
                name: "two different Content-Lengths",
                bytes: "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}", status: 400),
            Case(
                name: "chunked and Content-Length",
                bytes: "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                status: 400),
            Case(
                name: "body cut off by the end of the stream",
                bytes: "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"code\": ", status: 400,
                halfClose: true),
            Case(
                name: "chunked body cut off by the end of the stream",
                bytes: "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"code\": ", status: 400,
                halfClose: true),
        ]
    }

    /// The status of the first answer on `answer`, and the problem code in its body.
    static func parse(_ answer: String) -> (status: Int?, code: String?) {
        let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        let code = answer.range(of: #""code":"[a-z_.]+""#, options: .regularExpression).map { String(answer[$0].dropFirst(8).dropLast()) }
        return (status, code)
    }

    @Test("Bad chunking, bad request lines, huge headers, conflicting lengths and cut-off bodies get their 4xx problem on every route; the server keeps answering")
    func malformedRequests() async throws {
        let temporary = try TemporaryService()
        let service = temporary.service
        defer { temporary.close() }
        let application = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await application.test(.live) { client in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            let port = UInt16(try #require(client.port))
            for item in Self.cases(code: percentEncoded(codes[0])) {
                let answer = try await offThePool {
                    let connection = try RawConnection(port: port)
                    try connection.send(item.bytes)
                    if item.halfClose { connection.shutdownWrite() }
                    return connection.receiveAll()
                }
                let (status, code) = Self.parse(answer)
                #expect(status == item.status, "\(item): \(answer.prefix(300))")
                #expect(code == item.code, "\(item): \(answer.prefix(300))")
                #expect(answer.lowercased().contains("connection: close"), "\(item): \(answer.prefix(300))")
                #expect(answer.contains("application/problem+json"), "\(item)")
                // Exactly one answer: no bare second 400 behind it.
                #expect(answer.components(separatedBy: "Server: marking-server").count == 2, "\(item): \(answer.prefix(600))")
            }
            try await client.execute(uri: "/api/v1/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("Garbage pipelined behind a good request: the request is answered, then the garbage gets its problem")
    func pipelinedGarbage() async throws {
        let temporary = try TemporaryService()
        let service = temporary.service
        defer { temporary.close() }
        let application = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await application.test(.live) { client in
            let port = UInt16(try #require(client.port))
            let answer = try await offThePool {
                let connection = try RawConnection(port: port)
                try connection.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n\u{1}\u{2}not http at all\r\n\r\n")
                return connection.receiveAll()
            }
            let answers = answer.components(separatedBy: "\r\n\r\n").filter { $0.contains("HTTP/1.1 ") && $0.contains("Server: ") }
            #expect(answers.count == 2, "\(answers)")
            #expect(answers.first?.contains("HTTP/1.1 200") == true, "\(answers)")
            #expect(answers.last?.contains("HTTP/1.1 400") == true && answer.contains("request.malformed_http"), "\(answer)")
            try await client.execute(uri: "/api/v1/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("A whole request followed by a half-closed socket is still answered")
    func halfClosedAfterRequest() async throws {
        let temporary = try TemporaryService()
        let service = temporary.service
        defer { temporary.close() }
        let application = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await application.test(.live) { client in
            let port = UInt16(try #require(client.port))
            let answer = try await offThePool {
                let connection = try RawConnection(port: port)
                let json = #"{"code": "not a code"}"#
                try connection.send(
                    "POST /api/v1/violations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
                connection.shutdownWrite()
                return try connection.receive(until: "}")
            }
            #expect(answer.hasPrefix("HTTP/1.1 201"), "\(answer)")
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
