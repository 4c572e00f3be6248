import Foundation
import Hummingbird
import HummingbirdTesting
@testable import MarkingHTTP
import TestSupport
import Testing

/// One client that does not read its download must not stall anybody else's.
@Suite("Slow downloaders")
struct SlowDownloadTests {
    @Test("While one client leaves its large download unread, other downloads complete, and the slow one still gets every code")
    func slowReaderStallsNobody() async throws {
        try await TestServer.run(live: true) { client, service in
            let producer = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let large = try await order(client, service, token: producer.token, gtin: gtin(460_700_000_001), quantity: 150_000)
            let small = try await order(client, service, token: other.token, gtin: gtin(460_700_000_002), quantity: 20_000)
            let port = UInt16(try #require(client.port))
            let token = producer.token
            let slow = try RawConnection(port: port, receiveBuffer: 4096)
            let head = try await offThePool {
                try slow.send("GET /api/v1/orders/\(large)/codes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n")
                return try slow.receive(until: "\r\n\r\n")
            }
            #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
            // Some 13 MB wait for a client with a 4 KB window: the server's buffers fill
            // and the large download waits on its socket from here on.
            try await Task.sleep(for: .seconds(1))
            // Raw connections, stalled only if no byte comes for 30 s: the test client's
            // 20 s per request is too short for 20,000 codes when the whole suite runs
            // on two cores, and a stall is what this test is about.
            let otherToken = other.token
            for _ in 0..<3 {
                let answer = try await offThePool { () throws -> String in
                    let connection = try RawConnection(port: port)
                    try connection.send(
                        "GET /api/v1/orders/\(small)/codes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(otherToken)\r\nConnection: close\r\n\r\n")
                    return connection.receiveAll()
                }
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")
                #expect(Self.dechunked(Array(answer.utf8)).split(separator: UInt8(ascii: "\n")).count == 20_000)
            }
            let answer = Array((head + (try await offThePool { slow.receiveAll() })).utf8)
            let codes = Self.dechunked(answer).split(separator: UInt8(ascii: "\n"))
            #expect(codes.count == 150_000, "the slow download was cut off")
            #expect(Set(codes).count == 150_000)
        }
    }

    /// The body of a chunked HTTP/1.1 answer (everything after its head).
    static func dechunked(_ answer: [UInt8]) -> [UInt8] {
        let crlf: [UInt8] = [13, 10]
        func find(_ pattern: [UInt8], from: Int) -> Int? {
            guard answer.count >= pattern.count else { return nil }
            var index = from
            while index + pattern.count <= answer.count {
                if answer[index] == pattern[0], Array(answer[index..<index + pattern.count]) == pattern { return index }
                index += 1
            }
            return nil
        }
        guard var position = find(crlf + crlf, from: 0).map({ $0 + 4 }) else { return [] }
        var body: [UInt8] = []
        while let lineEnd = find(crlf, from: position),
              let size = Int(String(decoding: answer[position..<lineEnd], as: UTF8.self), radix: 16), size > 0,
              lineEnd + 2 + size <= answer.count
        {
            body += answer[(lineEnd + 2)..<(lineEnd + 2 + size)]
            position = lineEnd + 2 + size + 2
        }
        return body
    }
}
