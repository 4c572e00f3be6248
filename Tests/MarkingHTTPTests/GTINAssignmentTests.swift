import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingHTTP
import Testing

/// GTIN squatting: the first to register a GTIN kept it with no check. The admin
/// assigns GTINs and GS1 company prefixes; once it does, a card needs an assignment.
@Suite("GTIN and company prefix assignments")
struct GTINAssignmentTests {
    func assign(_ client: any TestClientProtocol, _ digits: String, to participant: Int, token: String = adminSecret) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/gtin-assignments/\(digits)", method: .put, headers: headers(token: token, json: true), body: body(["participant": participant])
        ) { $0 }
    }

    func putCard(_ client: any TestClientProtocol, token: String, gtin: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/products/\(gtin)", method: .put, headers: headers(token: token, json: true),
            body: body(["tradeName": "Milk", "country": "KZ"])
        ) { $0 }
    }

    @Test("A squatted GTIN goes to the participant the admin assigns its prefix to; the squatter can neither keep its card nor order")
    func assignmentBeatsSquatter() async throws {
        try await TestServer.run { client, _ in
            let squatter = try await register(client, name: "Squatter LLP", seed: 1)
            let brand = try await register(client, name: "Brand LLP", seed: 2)
            let product = gtin(460_700_000_001)
            // A fresh store: first come, first served, as before.
            #expect(try await putCard(client, token: squatter.token, gtin: product).status == .created)
            expectProblem(try await putCard(client, token: brand.token, gtin: product), "product.foreign", .forbidden)

            #expect(try await assign(client, "4607000", to: brand.id).status == .created)
            expectProblem(try await putCard(client, token: squatter.token, gtin: product), "product.gtin_assigned", .forbidden)
            let taken = try await putCard(client, token: brand.token, gtin: product)
            #expect(taken.status == .ok)
            #expect(object(taken)["owner"] as? Int == brand.id)
            try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: squatter.token, json: true), body: body(["gtin": product, "quantity": 1])
            ) { response in expectProblem(response, "order.gtin_foreign", .forbidden) }
            try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: brand.token, json: true), body: body(["gtin": product, "quantity": 1])
            ) { response in #expect(response.status == .created) }

            // Once the admin assigns, an unassigned GTIN needs an assignment too.
            expectProblem(try await putCard(client, token: squatter.token, gtin: gtin(470_000_000_001)), "product.gtin_unassigned", .forbidden)
            // A GTIN assigned itself beats its prefix; reassigning answers 200.
            let single = gtin(460_700_000_002)
            #expect(try await assign(client, single, to: squatter.id).status == .created)
            #expect(try await putCard(client, token: squatter.token, gtin: single).status == .created)
            expectProblem(try await putCard(client, token: brand.token, gtin: single), "product.gtin_assigned", .forbidden)
            #expect(try await assign(client, single, to: brand.id).status == .ok)
            #expect(try await putCard(client, token: brand.token, gtin: single).status == .ok)

            let list = try await client.execute(uri: "/api/v1/gtin-assignments", method: .get, headers: headers(token: adminSecret)) { object($0) }
            let assignments = list["assignments"] as? [[String: Any]] ?? []
            #expect(assignments.count == 2)
            #expect(assignments.contains { $0["digits"] as? String == "4607000" && $0["kind"] as? String == "prefix" && $0["participant"] as? Int == brand.id })
        }
    }

    @Test("A participant's card list (the cabinet's products page) is its cards, whatever assignments sit beside them")
    func cardListBesideAssignments() async throws {
        try await TestServer.run { client, service in
            let brand = try await register(client, name: "Brand LLP", seed: 2)
            #expect(try await putCard(client, token: brand.token, gtin: gtin(460_700_000_001)).status == .created)
            #expect(try await assign(client, "4607000", to: brand.id).status == .created)
            #expect(try await assign(client, gtin(460_700_000_002), to: brand.id).status == .created)
            #expect(try await putCard(client, token: brand.token, gtin: gtin(460_700_000_002)).status == .created)
            let cards = try service.products.products(of: UInt32(brand.id))
            #expect(cards.map(\.gtin) == [gtin(460_700_000_001), gtin(460_700_000_002)])
        }
    }

    @Test("Only the admin assigns, only digits that are a prefix or a GTIN, only to registered participants")
    func assignmentInput() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            expectProblem(try await assign(client, "4607000", to: producer.id, token: producer.token), "auth.admin_only", .forbidden)
            for bad in ["12345", "1234567890123", "46070000000019", "46O7000"] {
                let problem = expectProblem(try await assign(client, bad, to: producer.id), "product.assignment_digits", .unprocessableContent)
                #expect(pointers(problem) == ["digits"])
            }
            let unknown = try await assign(client, "4607000", to: 999)
            #expect(unknown.status.code == 404 || unknown.status.code == 422, "\(text(unknown))")
            #expect(object(unknown)["code"] as? String == "participant.unknown")
        }
    }
}
