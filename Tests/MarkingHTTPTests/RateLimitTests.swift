import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import MarkingHTTP
import NIOCore
import TestSupport
import Testing

/// Public endpoints are not unlimited: each address without a token, and each token,
/// gets a token bucket; past it the answer is `429 request.rate_limited` with
/// `Retry-After`, counted in the metrics, on the router and in the pipeline alike.
@Suite("Rate limits per address and per token")
struct RateLimitTests {
    static let second: UInt64 = 1_000_000_000

    @Test("A bucket lets its burst through, then one request per 1/rate seconds, and says how long to wait")
    func tokenBucket() {
        let limiter = RateLimiter(rate: .init(perSecond: 2, burst: 3))
        let client = limiter.key("192.0.2.1")
        let start: UInt64 = 1_000 * Self.second
        for _ in 0..<3 { #expect(limiter.take(client, now: start) == nil) }
        #expect(limiter.take(client, now: start) == 1)
        // Another client has its own bucket.
        #expect(limiter.take(limiter.key("192.0.2.2"), now: start) == nil)
        // Half a second refills one request, not two.
        #expect(limiter.take(client, now: start + Self.second / 2) == nil)
        #expect(limiter.take(client, now: start + Self.second / 2) != nil)
        // A long quiet spell refills the burst, no more.
        let later = start + 100 * Self.second
        for _ in 0..<3 { #expect(limiter.take(client, now: later) == nil) }
        #expect(limiter.take(client, now: later) != nil)
        let slow = RateLimiter(rate: .init(perSecond: 0.1, burst: 1))
        #expect(slow.take(1, now: start) == nil)
        #expect(slow.take(1, now: start) == 10)
    }

    @Test("However many addresses come, the buckets held stay bounded")
    func bucketsBounded() {
        let limiter = RateLimiter(rate: .init(perSecond: 1, burst: 1))
        for client in 0..<UInt64(200_000) { _ = limiter.take(client &* 0x9E37_79B9_7F4A_7C15, now: Self.second) }
        #expect(limiter.clients <= 16 * RateLimiter.maximumClientsPerShard)
        #expect(limiter.clients > 0)
    }

    @Test("Anonymous requests past their address's burst get 429 with Retry-After; a token's requests are limited apart")
    func routerLimits() async throws {
        let limits = RateLimits(anonymous: .init(perSecond: 0.01, burst: 3), token: .init(perSecond: 0.01, burst: 5))
        try await TestServer.run(limits: limits) { client, service in
            for index in 0..<4 {
                try await client.execute(
                    uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: body(["code": "not a code \(index)"])
                ) { response in
                    if index < 3 {
                        #expect(response.status == .created)
                    } else {
                        #expect(response.status == .tooManyRequests)
                        #expect(object(response)["code"] as? String == "request.rate_limited")
                        #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                    }
                }
            }
            // The address is used up; the admin's token is not.
            try await client.execute(uri: "/api/v1/violations", method: .get, headers: headers(token: adminSecret)) { response in
                #expect(response.status == .ok)
            }
            let metrics = try await client.execute(uri: "/api/v1/metrics", method: .get, headers: headers(token: adminSecret)) { text($0) }
            #expect(metrics.contains(#"marking_http_rate_limited_total{scope="ip"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"route="/api/v1/violations",status="429"} 1"#), "\(metrics)")
            // Refused requests changed nothing and leave no audit line.
            let (entries, _) = try await auditEntries(client, service, query: "?participant=public")
            #expect(entries.filter { $0["route"] as? String == "/api/v1/violations" }.count == 3, "\(entries)")
            // The admin's token has its own burst of 5, three of it used above.
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/violations", method: .get, headers: headers(token: adminSecret)) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/api/v1/violations", method: .get, headers: headers(token: adminSecret)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(object(response)["code"] as? String == "request.rate_limited")
            }
        }
    }

    @Test("Checks answered in the pipeline are limited by the same buckets, answered 429, and counted")
    func pipelineLimits() async throws {
        let temporary = try TemporaryService(limits: RateLimits(anonymous: .init(perSecond: 0.01, burst: 4), token: nil))
        let service = temporary.service
        defer { temporary.close() }
        let application = MarkingApplication.buildApplication(service: service, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await application.test(.live) { client in
            let (_, codes) = try await PublicCheckHandlerTests().codes(client, count: 1)
            var statuses: [Int] = []
            for _ in 0..<6 {
                try await client.execute(uri: "/api/v1/codes/\(percentEncoded(codes[0]))", method: .get) { response in
                    statuses.append(Int(response.status.code))
                    if response.status == .tooManyRequests {
                        #expect(object(response)["code"] as? String == "request.rate_limited")
                        #expect(response.headers[.retryAfter] != nil)
                        #expect(response.headers[.server] == "marking-server")
                    }
                }
            }
            #expect(statuses == [200, 200, 200, 200, 429, 429], "\(statuses)")
            let metrics = try await client.execute(uri: "/api/v1/metrics", method: .get, headers: headers(token: adminSecret)) { text($0) }
            #expect(metrics.contains(#"marking_http_rate_limited_total{scope="ip"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"route="/api/v1/codes/{code}",status="429"} 2"#), "\(metrics)")
        }
    }
}

/// The violation family does not grow without bound.
@Suite("Violation report retention")
struct ViolationRetentionTests {
    @Test("Only the newest reports are kept: the oldest beyond the retained count are dropped as new ones come")
    func oldestDropped() throws {
        let temporary = try TemporaryService()
        defer { temporary.close() }
        let reports = ViolationReports(store: temporary.service.store, retained: 3)
        for index in 1...10 {
            _ = try reports.add(ViolationReport(id: 0, time: "2026-12-03T00:00:00.000Z", code: "c\(index)", genuine: false, ip: "192.0.2.1"))
        }
        let kept = try reports.list().map(\.id)
        #expect(kept == [7, 8, 9, 10], "\(kept)")
    }
}
