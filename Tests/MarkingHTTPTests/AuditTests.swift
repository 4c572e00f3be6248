import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingHTTP
import Testing

/// Reads `/audit` with the admin token once the background audit writes are done.
func auditEntries(
    _ client: any TestClientProtocol, _ service: MarkingService, query: String = ""
) async throws -> (entries: [[String: Any]], next: String?) {
    service.workers.drain()
    service.audit.writePending()
    return try await client.execute(uri: "/api/v1/audit\(query)", method: .get, headers: headers(token: adminSecret)) { response in
        #expect(response.status == .ok, "\(text(response))")
        let json = object(response)
        return (json["entries"] as? [[String: Any]] ?? [], json["next"] as? String)
    }
}

@Suite("Audit trail")
struct AuditTests {
    @Test("Mutating calls and code checks are recorded with time, actor, IP, route and status; reads and tokens are not")
    func recordsCalls() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            _ = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 2)
            try await client.execute(uri: "/api/v1/codes?code=nonsense", method: .get) { _ in }
            try await client.execute(uri: "/api/v1/orders", method: .post, headers: headers(token: "mkt_wrong", json: true), body: body([:])) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/products/\(gtin(460_700_000_001))", method: .get) { _ in }
            let (entries, next) = try await auditEntries(client, service)
            #expect(next == nil)
            #expect(entries.map { "\($0["method"] ?? "") \($0["status"] ?? "")" } == ["POST 201", "PUT 201", "POST 201", "GET 422", "POST 401"])
            #expect(entries.map { $0["actor"] as? String } == ["admin", "participant", "participant", "public", "public"])
            #expect(entries[2]["participant"] as? Int == producer.id)
            #expect(entries[2]["count"] as? Int == 2)
            #expect(entries[0]["count"] == nil)
            #expect(entries[0]["route"] as? String == "/api/v1/participants")
            #expect(entries[1]["route"] as? String == "/api/v1/products/\(gtin(460_700_000_001))")
            #expect(entries[3]["route"] as? String == "/api/v1/codes?code=nonsense")
            for entry in entries {
                #expect((entry["time"] as? String)?.hasSuffix("Z") == true)
                #expect((entry["time"] as? String)?.contains(".") == true)
                #expect(entry["ip"] as? String != nil)
            }
            let raw = try await client.execute(uri: "/api/v1/audit", method: .get, headers: headers(token: adminSecret)) { text($0) }
            #expect(!raw.contains(producer.token) && !raw.contains(adminSecret) && !raw.contains("mkt_wrong"))
        }
    }

    @Test("The trail pages with a cursor, filters by participant and time, and is for the admin only")
    func pagesAndFilters() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            for index in 0..<3 {
                _ = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 1 + index)
            }
            // 1 registration, then a product card and an order per round: 7 entries.
            let first = try await auditEntries(client, service, query: "?limit=4")
            #expect(first.entries.count == 4)
            let cursor = try #require(first.next)
            let rest = try await auditEntries(client, service, query: "?limit=4&cursor=\(cursor)")
            #expect(rest.entries.count == 3)
            #expect(rest.next == nil)
            let own = try await auditEntries(client, service, query: "?participant=\(producer.id)")
            #expect(own.entries.count == 6)
            let admin = try await auditEntries(client, service, query: "?participant=admin&from=1970-01-01T00:00:00Z")
            #expect(admin.entries.count == 1)
            let future = try await auditEntries(client, service, query: "?from=\(UInt64(Date().timeIntervalSince1970 * 1000) + 60_000)")
            #expect(future.entries.isEmpty)
            let past = try await auditEntries(client, service, query: "?to=1000")
            #expect(past.entries.isEmpty)
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "auth.admin_only", .forbidden)
            }
            try await client.execute(uri: "/api/v1/audit", method: .get) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            for bad in ["from=yesterday", "to=-5", "participant=bob", "cursor=zz", "limit=0", "limit=10001"] {
                try await client.execute(uri: "/api/v1/audit?\(bad)", method: .get, headers: headers(token: adminSecret)) { response in
                    expectProblem(response, "request.parameter", .badRequest)
                }
            }
        }
    }

    @Test("A document's entry counts the codes of its list")
    func countsDocumentCodes() async throws {
        try await TestServer.run { client, service in
            _ = try await introducedCodes(client, count: 3)
            let (entries, _) = try await auditEntries(client, service)
            let documents = entries.filter { ($0["route"] as? String)?.hasPrefix("/api/v1/documents?") == true }
            #expect(documents.count == 2)
            #expect(documents.allSatisfy { $0["count"] as? Int == 3 && $0["status"] as? Int == 202 })
        }
    }

    @Test("Over a real connection the client's IP address is recorded")
    func recordsClientIP() async throws {
        try await TestServer.run(live: true) { client, service in
            _ = try await register(client)
            let (entries, _) = try await auditEntries(client, service)
            #expect(entries.first?["ip"] as? String == "127.0.0.1")
        }
    }
}
