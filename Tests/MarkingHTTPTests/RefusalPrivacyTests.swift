import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

@Suite("What refusals and package labels reveal")
struct RefusalPrivacyTests {
    @Test("A refusal for someone else's code does not name its owner to the submitter; the admin sees the owner")
    func refusalNamesTheOwnerOnlyToTheAdmin() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 3)
            let other = try await register(client, name: "Other LLP", seed: 3, roles: ["producer"])
            let otherOrder = try await order(client, token: other.token, gtin: gtin(460_700_000_009), quantity: 1)
            let foreign = try await client.execute(uri: "/api/v1/orders/\(otherOrder)/codes", method: .get, headers: headers(token: other.token)) { response in
                text(response).split(separator: "\n").map(String.init)
            }
            let accepted = try await submitText(
                client, token: producer.token, query: "type=TRANSFER&number=LEAK-1&receiver=\(shop.id)", codes: [codes[0], foreign[0]])
            let id = accepted["id"] as? Int ?? 0
            let seenBySubmitter = try await finished(client, token: producer.token, id: id)
            let refused = try #require((seenBySubmitter["firstRefused"] as? [[String: Any]])?.first)
            #expect(refused["reason"] as? String == "NOT_OWNER")
            let detail = try #require(refused["detail"] as? String)
            #expect(!detail.contains("participant \(other.id)"), "\(detail)")
            #expect(detail.contains("another participant"), "\(detail)")
            #expect(refused["owner"] == nil)
            let seenByAdmin = try await finished(client, token: adminSecret, id: id)
            let forAdmin = try #require((seenByAdmin["firstRefused"] as? [[String: Any]])?.first)
            #expect(forAdmin["owner"] as? Int == other.id)
        }
    }

    @Test("A group package sent with its code's tail is stored and shown to the public as the CIS")
    func groupLabelIsTheCIS() async throws {
        try await TestServer.run { client, service in
            let (producer, _, codes) = try await introducedCodes(client, count: 3)
            let packageCode = try service.store.parser.parse(codes[0])
            #expect(packageCode.tail != nil)
            let packed = try await submitText(
                client, token: producer.token, query: "type=AGGREGATION&number=G-1&package=\(percentEncoded(codes[0]))",
                codes: Array(codes[1...2]))
            let done = try await finished(client, token: producer.token, id: packed["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK", "\(done)")
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(codes[1]))", method: .get) { response in
                let packages = object(response)["packages"] as? [[String: Any]] ?? []
                #expect(packages.first?["kind"] as? String == "GROUP")
                #expect(packages.first?["label"] as? String == MarkingCode(cis: packageCode.cis).humanReadable)
                #expect(!text(response).contains(packageCode.tail!), "the group code's tail is not shown")
            }
            let stored = try #require(try service.jobs.package(labelled: codes[0]))
            #expect(stored.label == MarkingCode(cis: packageCode.cis).humanReadable)
        }
    }
}
