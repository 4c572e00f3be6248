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
}
