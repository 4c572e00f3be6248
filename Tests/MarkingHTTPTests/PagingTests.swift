import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// A page after the largest id is the empty page, not the first one again.
@Suite("Paging past the end")
struct PagingTests {
    @Test("after=2^64-1 lists nothing: violations and shipments")
    func afterTheLargestIDIsEmpty() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            try await client.execute(
                uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: body(["code": "not a code at all"])
            ) { response in
                #expect(response.status == .created)
            }
            let last = UInt64.max
            try await client.execute(uri: "/api/v1/violations?after=\(last)", method: .get, headers: headers(token: adminSecret)) { response in
                #expect(response.status == .ok)
                #expect((object(response)["reports"] as? [[String: Any]])?.isEmpty == true, "\(text(response))")
            }
            try await client.execute(uri: "/api/v1/violations?after=0", method: .get, headers: headers(token: adminSecret)) { response in
                #expect((object(response)["reports"] as? [[String: Any]])?.count == 1, "the first page still has the report")
            }
            try await client.execute(uri: "/api/v1/shipments?after=\(last)", method: .get, headers: headers(token: owner.token)) { response in
                #expect(response.status == .ok, "\(text(response))")
            }
        }
    }
}
