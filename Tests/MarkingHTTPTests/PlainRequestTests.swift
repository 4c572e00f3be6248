@testable import MarkingHTTP
import NIOCore
import Testing

@Suite("Only exactly a plain GET is answered ahead of the HTTP codec")
struct PlainRequestTests {
    static let check = "GET /api/v1/codes/0104607000000012215abc HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: till/2.1\r\nAccept: */*\r\n\r\n"

    func scan(_ text: String) -> PlainRequest.Scan {
        PlainRequest.scan(ByteBuffer(string: text))
    }

    @Test("A phone's or a till's check is plain: its target and its length are found, header names in any case, Connection: keep-alive")
    func plainChecks() {
        let target = "/api/v1/codes/0104607000000012215abc".utf8.count
        #expect(scan(Self.check) == .plain(PlainRequest(target: 4..<(4 + target), length: Self.check.utf8.count)))
        let variants = [
            "GET /api/v1/health HTTP/1.1\r\n\r\n",
            "GET /api/v1/codes?code=01046070000000122153%1D93abcd HTTP/1.1\r\nhost: x\r\nCONNECTION:  Keep-Alive \r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nAccept-Language: kk, ru;q=0.8\r\nAccept-Encoding: gzip\r\nCache-Control: no-cache\r\n\r\n",
        ]
        for text in variants {
            guard case .plain(let request) = scan(text) else {
                Issue.record("not plain: \(text)")
                continue
            }
            #expect(request.length == text.utf8.count)
        }
    }

    @Test("Every prefix of a plain request waits for the rest; the bytes after one are the next request's")
    func prefixesWait() {
        let bytes = Array(Self.check.utf8)
        for end in 0..<bytes.count {
            #expect(PlainRequest.scan(ByteBuffer(bytes: bytes[..<end])) == .incomplete, "\(end) bytes")
        }
        guard case .plain(let request) = PlainRequest.scan(ByteBuffer(bytes: bytes + Array("POST /x HTTP/1.1\r\n".utf8))) else {
            Issue.record("not plain when followed by another request")
            return
        }
        #expect(request.length == bytes.count)
    }

    @Test("Anything else is the codec's: other methods and versions, tokens, bodies, unknown headers, odd bytes, bare LF, folded or oversized heads")
    func everythingElseGoesToTheCodec() {
        let notPlain = [
            "POST /api/v1/codes/x HTTP/1.1\r\n\r\n",
            "HEAD /api/v1/codes/x HTTP/1.1\r\n\r\n",
            "get /api/v1/codes/x HTTP/1.1\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.0\r\n\r\n",
            "GET /api/v1/codes/x HTTP/2.0\r\n\r\n",
            "GET  /api/v1/codes/x HTTP/1.1\r\n\r\n",
            "GET api/v1/codes/x HTTP/1.1\r\n\r\n",
            "GET http://host/api/v1/codes/x HTTP/1.1\r\n\r\n",
            "GET * HTTP/1.1\r\n\r\n",
            "GET /api/v1/codes/x\"y HTTP/1.1\r\n\r\n",
            "GET /api/v1/codes/x#y HTTP/1.1\r\n\r\n",
            "GET /api/v1/codes/кк HTTP/1.1\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\nHost: x\n\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nX-Registry-Min-Sequence: 7\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
            "GET /api/v1/codes/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nConnection: close\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\n: x\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nHost: x\u{7F}\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nHost: x\ry\r\n\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\n" + String(repeating: "Accept: */*\r\n", count: PlainRequest.maximumHeaders + 1) + "\r\n",
            "GET /api/v1/codes/x HTTP/1.1\r\nUser-Agent: " + String(repeating: "a", count: PlainRequest.maximumLength) + "\r\n\r\n",
        ]
        for text in notPlain {
            #expect(scan(text) == .notPlain, "\(text.debugDescription)")
        }
    }
}
