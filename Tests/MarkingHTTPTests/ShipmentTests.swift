import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

/// `POST /documents/{id}/accept` or `…/reject` with `token`; returns the status and the body.
func answerShipment(
    _ client: any TestClientProtocol, _ action: String, id: Int, token: String?
) async throws -> (HTTPResponse.Status, [String: Any], TestResponse) {
    try await client.execute(uri: "/api/v1/documents/\(id)/\(action)", method: .post, headers: headers(token: token)) { response in
        (response.status, object(response), response)
    }
}

/// The owner of `code` as the store says.
func owner(_ service: MarkingService, _ code: String) throws -> UInt32? {
    try service.store.check(try CodeParser().parse(code)).record?.owner
}

@Suite("Documents: two-step transfers waiting for the receiver's acceptance")
struct ShipmentRouteTests {
    @Test("A transfer with acceptance=true waits (WAIT_ACCEPTANCE) with the codes still the sender's; the receiver reads and accepts it: 200 CHECKED_OK")
    func receiverAccepts() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 30)
            let other = try await register(client, name: "Other LLP", seed: 3, roles: ["wholesaler"])
            let submitted = try await submitText(
                client, token: producer.token, query: "type=TRANSFER&number=S-1&receiver=\(shop.id)&acceptance=true", codes: codes)
            #expect(submitted["acceptance"] as? Bool == true)
            let id = submitted["id"] as? Int ?? 0
            let waiting = try await finished(client, token: producer.token, id: id)
            #expect(waiting["state"] as? String == "WAIT_ACCEPTANCE", "\(waiting)")
            #expect(waiting["applied"] as? Int == 30)
            #expect(try owner(service, codes[0]) == UInt32(producer.id))

            // The receiver may read the shipment addressed to it; nobody else.
            try await client.execute(uri: "/api/v1/documents/\(id)", method: .get, headers: headers(token: shop.token)) { response in
                #expect(response.status == .ok)
                #expect(object(response)["state"] as? String == "WAIT_ACCEPTANCE")
            }
            try await client.execute(uri: "/api/v1/documents/\(id)", method: .get, headers: headers(token: other.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }

            // Reserved codes are refused by any other document, naming the shipment.
            let retirement = try await submitText(client, token: producer.token, query: "type=RETIREMENT&number=R-1&reason=EXPORT", codes: [codes[3]])
            let refused = try await finished(client, token: producer.token, id: retirement["id"] as? Int ?? 0)
            #expect(refused["state"] as? String == "CHECKED_NOT_OK")
            #expect(refused["refusals"] as? [String: Int] == ["IN_SHIPMENT": 1])
            let detail = ((refused["firstRefused"] as? [[String: Any]])?.first?["detail"] as? String) ?? ""
            #expect(detail.contains("shipment document \(id)"), "\(detail)")

            let (status, accepted, _) = try await answerShipment(client, "accept", id: id, token: shop.token)
            #expect(status == .ok)
            #expect(accepted["id"] as? Int == id)
            #expect(accepted["state"] as? String == "CHECKED_OK")
            #expect(accepted["acceptedAt"] is String)
            #expect(accepted["rejectedAt"] == nil)
            for code in codes { #expect(try owner(service, code) == UInt32(shop.id)) }
            let reread = try await finished(client, token: producer.token, id: id)
            #expect(reread["state"] as? String == "CHECKED_OK")
        }
    }

    @Test("GET /shipments lists the shipments waiting for the caller, oldest first and in pages, until answered; 403 for the admin, 400 for a bad page")
    func receiverListsWaitingShipments() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 6)
            var ids: [Int] = []
            for (index, part) in [Array(codes[0..<2]), Array(codes[2..<4])].enumerated() {
                let submitted = try await submitText(
                    client, token: producer.token, query: "type=TRANSFER&number=L-\(index)&receiver=\(shop.id)&acceptance=true", codes: part)
                let id = submitted["id"] as? Int ?? 0
                #expect(try await finished(client, token: producer.token, id: id)["state"] as? String == "WAIT_ACCEPTANCE")
                ids.append(id)
            }
            let oneStep = try await submitText(client, token: producer.token, query: "type=TRANSFER&number=L-9&receiver=\(shop.id)", codes: Array(codes[4...]))
            #expect(try await finished(client, token: producer.token, id: oneStep["id"] as? Int ?? 0)["state"] as? String == "CHECKED_OK")

            func waiting(_ token: String, _ query: String = "") async throws -> [[String: Any]] {
                try await client.execute(uri: "/api/v1/shipments\(query)", method: .get, headers: headers(token: token)) { response in
                    #expect(response.status == .ok, "\(text(response))")
                    return object(response)["shipments"] as? [[String: Any]] ?? []
                }
            }
            let listed = try await waiting(shop.token)
            #expect(listed.map { $0["id"] as? Int } == ids, "both shipments, not the one-step transfer")
            #expect(listed.allSatisfy { $0["state"] as? String == "WAIT_ACCEPTANCE" && $0["participant"] as? Int == producer.id })
            #expect(try await waiting(producer.token).isEmpty, "the sender has nothing to answer")
            #expect(try await waiting(shop.token, "?limit=1").map { $0["id"] as? Int } == [ids[0]])
            #expect(try await waiting(shop.token, "?after=\(ids[0])").map { $0["id"] as? Int } == [ids[1]])

            let (status, _, _) = try await answerShipment(client, "accept", id: ids[0], token: shop.token)
            #expect(status == .ok)
            #expect(try await waiting(shop.token).map { $0["id"] as? Int } == [ids[1]], "an accepted shipment leaves the list")

            try await client.execute(uri: "/api/v1/shipments", method: .get, headers: headers(token: adminSecret)) { response in
                expectProblem(response, "auth.participant_only", .forbidden)
            }
            try await client.execute(uri: "/api/v1/shipments", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            for query in ["?after=first", "?limit=0", "?limit=1001"] {
                try await client.execute(uri: "/api/v1/shipments\(query)", method: .get, headers: headers(token: shop.token)) { response in
                    expectProblem(response, "request.parameter", .badRequest)
                }
            }
        }
    }

    @Test("A JSON shipment rejected by its receiver: 200 REJECTED, the codes stay the sender's and are free again")
    func receiverRejects() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 10)
            let id = try await client.execute(
                uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["type": "TRANSFER", "number": "S-2", "receiver": shop.id, "acceptance": true, "codes": codes])
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                return object(response)["id"] as? Int ?? 0
            }
            #expect(try await finished(client, token: producer.token, id: id)["state"] as? String == "WAIT_ACCEPTANCE")

            let (status, rejected, _) = try await answerShipment(client, "reject", id: id, token: shop.token)
            #expect(status == .ok)
            #expect(rejected["state"] as? String == "REJECTED")
            #expect(rejected["rejectedAt"] is String)
            #expect(rejected["applied"] as? Int == 0)
            for code in codes { #expect(try owner(service, code) == UInt32(producer.id)) }

            let again = try await submitText(client, token: producer.token, query: "type=TRANSFER&number=T-2&receiver=\(shop.id)", codes: codes)
            let done = try await finished(client, token: producer.token, id: again["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK", "the rejected shipment freed the codes")
        }
    }

    @Test("Accept and reject: 403 for anyone but the receiver, 404 for an unknown document, 409 when it is not waiting; nothing changes")
    func answerErrors() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 6)
            let other = try await register(client, name: "Other LLP", seed: 3, roles: ["wholesaler"])
            let shipment = try await submitText(
                client, token: producer.token, query: "type=TRANSFER&number=S-3&receiver=\(shop.id)&acceptance=true", codes: Array(codes[0..<3]))
            let id = shipment["id"] as? Int ?? 0
            #expect(try await finished(client, token: producer.token, id: id)["state"] as? String == "WAIT_ACCEPTANCE")
            let oneStep = try await submitText(
                client, token: producer.token, query: "type=TRANSFER&number=T-3&receiver=\(shop.id)", codes: Array(codes[3...]))
            let oneStepID = oneStep["id"] as? Int ?? 0
            #expect(try await finished(client, token: producer.token, id: oneStepID)["state"] as? String == "CHECKED_OK")

            for action in ["accept", "reject"] {
                expectProblem(try await answerShipment(client, action, id: id, token: producer.token).2, "document.not_receiver", .forbidden)
                expectProblem(try await answerShipment(client, action, id: id, token: other.token).2, "document.not_receiver", .forbidden)
                expectProblem(try await answerShipment(client, action, id: id, token: adminSecret).2, "auth.participant_only", .forbidden)
                expectProblem(try await answerShipment(client, action, id: id, token: nil).2, "auth.token_missing", .unauthorized)
                expectProblem(try await answerShipment(client, action, id: 999, token: shop.token).2, "document.unknown", .notFound)
                expectProblem(try await answerShipment(client, action, id: oneStepID, token: shop.token).2, "document.not_waiting", .conflict)
            }
            try await client.execute(uri: "/api/v1/documents/x/accept", method: .post, headers: headers(token: shop.token)) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try await finished(client, token: producer.token, id: id)["state"] as? String == "WAIT_ACCEPTANCE")
            #expect(try owner(service, codes[0]) == UInt32(producer.id))

            #expect(try await answerShipment(client, "accept", id: id, token: shop.token).0 == .ok)
            let twice = expectProblem(try await answerShipment(client, "accept", id: id, token: shop.token).2, "document.not_waiting", .conflict)
            #expect((twice["detail"] as? String)?.isEmpty == false)
            expectProblem(try await answerShipment(client, "reject", id: id, token: shop.token).2, "document.not_waiting", .conflict)
            for code in codes { #expect(try owner(service, code) == UInt32(shop.id)) }
        }
    }

    @Test("acceptance is true or false (400 request.wrong_type), and only a transfer has it (422 document.field_not_allowed)")
    func acceptanceField() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 2)
            try await client.execute(
                uri: "/api/v1/documents?type=TRANSFER&number=A-1&receiver=\(shop.id)&acceptance=yes", method: .post,
                headers: listHeaders(token: producer.token, contentType: "text/plain"), body: ByteBuffer(string: codes.joined(separator: "\n"))
            ) { response in
                let problem = expectProblem(response, "request.wrong_type", .badRequest)
                #expect(pointers(problem) == ["acceptance"])
            }
            try await client.execute(
                uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["type": "RETIREMENT", "number": "A-2", "reason": "EXPORT", "acceptance": true, "codes": codes])
            ) { response in
                let problem = expectProblem(response, "document.field_not_allowed", .unprocessableContent)
                #expect(pointers(problem) == ["/acceptance"])
            }
        }
    }
}
