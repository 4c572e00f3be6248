import Hummingbird
import HTTPTypes
import NIOCore
import Testing

@testable import MarkingHTTP

/// The limits a streamed code list is read under, each refusing with its own problem.
@Suite("Streamed code-list bodies")
struct CodeListBodyTests {
    func request(_ text: String) -> Request {
        Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/v1/documents"),
            body: RequestBody(buffer: ByteBuffer(string: text)))
    }

    func problemCode(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let problem as Problem {
            return problem.code.rawValue
        } catch {
            return "\(error)"
        }
    }

    @Test("A list is read line by line, blank lines skipped")
    func listIsRead() async throws {
        let list = try await CodeListBody.read(request("a\n\nb\r\nc"), format: .text)
        #expect(list.count == 3)
    }

    @Test("A list still arriving after the time allowed is refused with request.timeout (408)")
    func slowListIsRefused() async {
        let code = await problemCode { _ = try await CodeListBody.read(request("a\nb\n"), format: .text, maximumDuration: .zero) }
        #expect(code == "request.timeout")
        #expect(ProblemCatalog.entry(for: "request.timeout").status == .requestTimeout)
    }

    @Test("Bytes and lines beyond the limits are refused, each with its own code")
    func limitsAreEnforced() async {
        #expect(await problemCode { _ = try await CodeListBody.read(request("abcdef\n"), format: .text, maximumBytes: 4) } == "request.too_large")
        #expect(await problemCode { _ = try await CodeListBody.read(request("a\nb\nc\n"), format: .text, maximumLines: 2) } == "document.too_many_codes")
    }
}
