import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingHTTP
import Testing

@Suite("Metrics")
struct MetricsTests {
    @Test("GET /metrics answers Prometheus text: requests by route template and status, latencies, codes emitted, documents by state")
    func prometheusText() async throws {
        try await TestServer.run { client, service in
            let (producer, _, _) = try await introducedCodes(client, count: 3)
            service.jobWorkers.drain()
            try await client.execute(uri: "/api/v1/orders/999", method: .get, headers: headers(token: producer.token)) { _ in }
            let metrics = try await client.execute(uri: "/api/v1/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return text(response)
            }
            #expect(metrics.contains(#"marking_http_requests_total{method="POST",route="/api/v1/orders",status="201"}"#), "\(metrics)")
            #expect(metrics.contains(#"route="/api/v1/orders/{id}",status="404"}"#))
            #expect(metrics.contains("marking_http_request_duration_seconds_bucket"))
            #expect(metrics.contains("marking_codes_emitted_total 3"))
            #expect(metrics.contains(#"marking_documents_total{state="CHECKED_OK"}"#))
        }
    }

    @Test("A two-step shipment is counted in marking_documents_total once, in the state its receiver gives it, not also while it waits")
    func shipmentCountedOnce() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 4)
            service.jobWorkers.drain()
            let before = try await documentCount(client, state: "CHECKED_OK")
            let submitted = try await submitText(
                client, token: producer.token, query: "type=TRANSFER&number=M-1&receiver=\(shop.id)&acceptance=true", codes: codes)
            let id = submitted["id"] as? Int ?? 0
            let waiting = try await finished(client, token: producer.token, id: id)
            #expect(waiting["state"] as? String == "WAIT_ACCEPTANCE")
            service.jobWorkers.drain()
            #expect(try await documentCount(client, state: "WAIT_ACCEPTANCE") == 0)
            #expect(try await documentCount(client, state: "CHECKED_OK") == before)
            let (status, _, _) = try await answerShipment(client, "accept", id: id, token: shop.token)
            #expect(status == .ok)
            #expect(try await documentCount(client, state: "CHECKED_OK") == before + 1)
        }
    }

    /// The value of `marking_documents_total` for `state` (0 when absent).
    func documentCount(_ client: any TestClientProtocol, state: String) async throws -> Int {
        let metrics = try await client.execute(uri: "/api/v1/metrics", method: .get) { text($0) }
        let prefix = #"marking_documents_total{state="\#(state)"} "#
        guard let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(line.dropFirst(prefix.count)) ?? -1
    }
}
