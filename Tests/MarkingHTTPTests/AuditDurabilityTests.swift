import Foundation
import Hummingbird
import HummingbirdTesting
@testable import MarkingCore
import MarkingHTTP
import Synchronization
import Testing

/// Reads `/audit` as it is on disk: nothing flushed first, so only what was written
/// before the answers is found.
private func durableEntries(_ client: any TestClientProtocol) async throws -> [[String: Any]] {
    try await client.execute(uri: "/api/v1/audit", method: .get, headers: headers(token: adminSecret)) { response in
        #expect(response.status == .ok)
        return object(response)["entries"] as? [[String: Any]] ?? []
    }
}

@Suite("Audit lines durable with what they record")
struct AuditDurabilityTests {
    @Test("A mutation's audit line is written in the very changeset of the mutation: a report, a token revoked")
    func lineTravelsWithTheMutation() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let seen = SeenChangesets()
            service.store.committer.observe { changeset, _ in seen.list.withLock { $0.append(changeset) } }
            defer { service.store.committer.observe(nil) }
            try await client.execute(
                uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: body(["code": "not a code", "place": "Shop"])
            ) { response in #expect(response.status == .created, "\(text(response))") }
            try await client.execute(
                uri: "/api/v1/participants/\(producer.id)/tokens/\(producer.tokenID)", method: .delete, headers: headers(token: producer.token)
            ) { response in #expect(response.status == .noContent, "\(text(response))") }
            let changesets = seen.list.withLock { $0 }
            func families(_ changeset: Changeset) -> Set<StoreFamily> {
                Set(changeset.operations.map { operation -> StoreFamily in
                    switch operation {
                    case .put(let family, _, _), .delete(let family, _), .deleteRange(let family, _, _): family
                    }
                })
            }
            for family in [StoreFamily.participants, .violations] {
                let mutations = changesets.filter { families($0).contains(family) }
                #expect(!mutations.isEmpty, "\(family)")
                #expect(mutations.allSatisfy { families($0).contains(.audit) }, "the \(family) changeset carries its audit line")
            }
        }
    }

    @Test("A participant that revokes its own token is recorded as itself, and the line is on disk when the answer arrives")
    func actorResolvedWhenTheCallArrives() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            try await client.execute(
                uri: "/api/v1/participants/\(producer.id)/tokens/\(producer.tokenID)", method: .delete, headers: headers(token: producer.token)
            ) { response in #expect(response.status == .noContent) }
            let entries = try await durableEntries(client)
            let revocation = try #require(entries.first { $0["method"] as? String == "DELETE" })
            #expect(revocation["actor"] as? String == "participant")
            #expect(revocation["participant"] as? Int == producer.id)
            #expect(revocation["status"] as? Int == 204)
        }
    }

    @Test("Refusals and code downloads are on disk when their answer arrives, downloads with their code count")
    func refusalsAndDownloadsAreDurable() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 3)
            try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/orders", method: .post, headers: headers(token: "mkt_wrong", json: true), body: body([:])) { response in
                #expect(response.status == .unauthorized)
            }
            let entries = try await durableEntries(client)
            let download = try #require(entries.first { $0["route"] as? String == "/api/v1/orders/\(id)/codes" })
            #expect(download["status"] as? Int == 200)
            #expect(download["count"] as? Int == 3)
            #expect(download["participant"] as? Int == producer.id)
            #expect(entries.contains { $0["status"] as? Int == 401 && $0["method"] as? String == "POST" })
        }
    }
}

/// The changesets a committer wrote, as its observer heard them.
private final class SeenChangesets: Sendable {
    let list = Mutex<[Changeset]>([])
}
