import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

/// `/api/v1/analytics/...`: an owner sees the counts of its own codes, the admin the
/// nation's and any participant's, as JSON and CSV (the web application draws them
/// as pages); a bad query is a specific 4xx problem.
@Suite("Analytics API")
struct AnalyticsTests {
    private func get(_ client: any TestClientProtocol, _ path: String, token: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/analytics/\(path)", method: .get, headers: headers(token: token)) { $0 }
    }

    private func statuses(_ response: TestResponse) -> [String: Int] { object(response)["statuses"] as? [String: Int] ?? [:] }

    @Test("An owner sees its own codes by status, GTIN and day; the admin sees the nation and each participant")
    func ownerAndNation() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let other = try await register(client, name: "Second Producer LLP", seed: 2)
            let (milk, bread) = (gtin(460_700_000_001), gtin(460_700_000_002))
            try await registerProduct(client, token: producer.token, gtin: milk)
            try await registerProduct(client, token: producer.token, gtin: bread)
            try await registerProduct(client, token: other.token, gtin: gtin(460_700_000_003))
            _ = try await order(client, token: producer.token, gtin: milk, quantity: 30)
            _ = try await order(client, token: producer.token, gtin: bread, quantity: 12)
            _ = try await order(client, token: other.token, gtin: gtin(460_700_000_003), quantity: 5)

            let own = try await get(client, "statuses", token: producer.token)
            #expect(own.status == .ok)
            #expect(statuses(own)["EMITTED"] == 42 && statuses(own)["INTRODUCED"] == 0)
            #expect(object(own)["participant"] as? Int == producer.id)
            let gtins = object(try await get(client, "gtins", token: producer.token))["gtins"] as? [[String: Any]] ?? []
            #expect(gtins.map { $0["gtin"] as? String } == [milk, bread])
            #expect(gtins.map { $0["total"] as? Int } == [30, 12])
            let days = try await get(client, "days", token: producer.token)
            let series = object(days)["days"] as? [[String: Any]] ?? []
            #expect(series.count == 30, "the last 30 days by default, empty days included")
            #expect((series.last?["events"] as? [String: Int])?["EMITTED"] == 42)

            let national = try await get(client, "statuses", token: adminSecret)
            #expect(statuses(national)["EMITTED"] == 47 && object(national)["scope"] as? String == "national")
            let theirs = try await get(client, "statuses?participant=\(other.id)", token: adminSecret)
            #expect(statuses(theirs)["EMITTED"] == 5)
            let table = object(try await get(client, "participants", token: adminSecret))["participants"] as? [[String: Any]] ?? []
            #expect(table.map { $0["participant"] as? Int } == [producer.id, other.id])
            #expect(table.map { $0["total"] as? Int } == [42, 5])
            #expect(table.first?["name"] as? String == "Producer LLP")

            let summary = object(try await get(client, "summary?from=2026-01-01&to=2026-01-03", token: producer.token))
            #expect(summary["total"] as? Int == 42)
            #expect((summary["days"] as? [[String: Any]])?.map { $0["date"] as? String } == ["2026-01-01", "2026-01-02", "2026-01-03"])
        }
    }

    @Test("CSV exports hold the same counts as the JSON, one row per GTIN, day or participant")
    func csvExport() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client, name: "Milk, \"Best\" LLP")
            let milk = gtin(460_700_000_001)
            try await registerProduct(client, token: producer.token, gtin: milk)
            _ = try await order(client, token: producer.token, gtin: milk, quantity: 7)
            let statuses = try await get(client, "statuses?format=csv", token: producer.token)
            #expect(statuses.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(statuses.headers[.contentDisposition]?.contains("analytics-participant-\(producer.id)-statuses.csv") == true)
            #expect(text(statuses).split(separator: "\r\n").contains("EMITTED,7"))
            let gtins = text(try await get(client, "gtins?format=csv", token: producer.token)).split(separator: "\r\n")
            #expect(gtins == ["gtin,EMITTED,APPLIED,INTRODUCED,RETIRED,WRITTEN_OFF,total", "\(milk),7,0,0,0,0,7"])
            let days = text(try await get(client, "days?format=csv&from=2026-03-01&to=2026-03-02", token: producer.token)).split(separator: "\r\n")
            #expect(days.count == 3 && days[1].hasPrefix("2026-03-01,0,"))
            let participants = text(try await get(client, "participants?format=csv", token: adminSecret)).split(separator: "\r\n")
            #expect(participants.last == "\(producer.id),\"Milk, \"\"Best\"\" LLP\",7,0,0,0,0,7")
        }
    }

    @Test("Bad dates, periods, formats, unknown participants and non-admins asking for the nation are 4xx problems")
    func badQueries() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let cases: [(String, String, String, HTTPResponse.Status)] = [
                ("days?from=2026-02-30", producer.token, "analytics.date", .badRequest),
                ("days?to=26-01-01", producer.token, "analytics.date", .badRequest),
                ("days?from=1969-12-31", producer.token, "analytics.date", .badRequest),
                ("days?from=2026-03-02&to=2026-03-01", producer.token, "analytics.range", .badRequest),
                ("days?from=2025-01-01&to=2026-03-01", producer.token, "analytics.range", .badRequest),
                ("statuses?format=xml", producer.token, "analytics.format", .badRequest),
                ("summary?format=csv", producer.token, "analytics.format", .badRequest),
                ("statuses?participant=abc", adminSecret, "request.parameter", .badRequest),
                ("statuses?scope=world", adminSecret, "request.parameter", .badRequest),
                ("statuses?scope=national&participant=\(producer.id)", adminSecret, "request.parameter", .badRequest),
                ("statuses?participant=999", adminSecret, "participant.unknown", .notFound),
                ("gtins?scope=national", producer.token, "auth.admin_only", .forbidden),
                ("participants", producer.token, "auth.admin_only", .forbidden),
                ("statuses?participant=\(other.id)", producer.token, "auth.forbidden", .forbidden),
            ]
            for (path, token, code, status) in cases {
                let response = try await get(client, path, token: token)
                _ = expectProblem(response, code, status)
            }
            try await client.execute(uri: "/api/v1/analytics/statuses", method: .get) { response in
                _ = expectProblem(response, "auth.token_missing", .unauthorized)
            }
            // The HTML page is the web application's (`/cabinet/analytics`), not the API's.
            #expect(try await get(client, "page", token: producer.token).status == .notFound)
        }
    }
}
