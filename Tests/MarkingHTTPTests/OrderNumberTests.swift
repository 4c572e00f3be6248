import Emitter
import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
@testable import MarkingHTTP
import Testing

/// Orders over HTTP are idempotent by the producer's order number, and large ones are
/// answered at once with their state and emitted in the background.
@Suite("Order numbers and background orders")
struct OrderNumberTests {
    /// Places an order and returns the answer's status and body.
    func place(_ client: any TestClientProtocol, token: String, _ fields: [String: Any]) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/v1/orders", method: .post, headers: headers(token: token, json: true), body: body(fields)) { response in
            (response.status, object(response))
        }
    }

    @Test("A retry with the same number and body gets the same order back and emits nothing; another body is 409")
    func retryIsIdempotent() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let product = gtin(460_700_000_001)
            try await registerProduct(client, token: producer.token, gtin: product)
            try await registerProduct(client, token: other.token, gtin: gtin(460_700_000_002))
            let fields: [String: Any] = ["gtin": product, "quantity": 100, "number": "PO-2026-17"]
            let (status, first) = try await place(client, token: producer.token, fields)
            #expect(status == .created)
            #expect(first["number"] as? String == "PO-2026-17")
            let id = try #require(first["id"] as? Int)
            let (retryStatus, retry) = try await place(client, token: producer.token, fields)
            #expect(retryStatus == .ok)
            #expect(retry["id"] as? Int == id)
            #expect(retry["state"] as? String == "COMPLETED")
            // Naming the default template is the same order.
            var named = fields
            named["template"] = "s13-91-92"
            #expect(try await place(client, token: producer.token, named).1["id"] as? Int == id)
            #expect(try service.emitter.order(UInt64(id) + 1) == nil, "a retry placed no second order")
            #expect(try service.emitter.nextCounter(gtin: try GTIN(product), serialLength: 13) == 100)

            var changed = fields
            changed["quantity"] = 101
            try await client.execute(uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true), body: body(changed)) { response in
                let problem = expectProblem(response, "order.number_reused", .conflict)
                #expect(pointers(problem) == ["/number"])
            }
            // Another producer's numbers are its own.
            let (otherStatus, otherOrder) = try await place(client, token: other.token, ["gtin": gtin(460_700_000_002), "quantity": 5, "number": "PO-2026-17"])
            #expect(otherStatus == .created)
            #expect(otherOrder["id"] as? Int == id + 1)
            for bad in ["", String(repeating: "x", count: 129), "PO\n1"] {
                try await client.execute(
                    uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true),
                    body: body(["gtin": product, "quantity": 1, "number": bad])
                ) { response in
                    #expect(pointers(expectProblem(response, "order.number", .unprocessableContent)) == ["/number"])
                }
            }
        }
    }

    @Test("A self-made order retried with its number is stored once")
    func selfMadeRetry() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let product = gtin(460_700_000_003)
            try await registerProduct(client, token: producer.token, gtin: product)
            let fields: [String: Any] = ["gtin": product, "quantity": 2, "template": "s6-93", "serialNumbers": ["ABCDEF", "GHIJKL"], "number": "self-1"]
            let (status, first) = try await place(client, token: producer.token, fields)
            #expect(status == .created, "\(first)")
            let (retryStatus, retry) = try await place(client, token: producer.token, fields)
            #expect(retryStatus == .ok, "a second registration would be 409 serial.taken: \(retry)")
            #expect(retry["id"] as? Int == first["id"] as? Int)
        }
    }

    @Test("An order above the synchronous limit is answered 202 IN_PROGRESS at once, shows its progress, and completes in the background")
    func largeOrderAccepted() async throws {
        try await TestServer.run(synchronousOrderLimit: 100) { client, _ in
            let producer = try await register(client)
            let product = gtin(460_700_000_004)
            try await registerProduct(client, token: producer.token, gtin: product)
            let fields: [String: Any] = ["gtin": product, "quantity": 20_000, "template": "s7-93", "number": "big-1"]
            let (status, accepted) = try await place(client, token: producer.token, fields)
            #expect(status == .accepted)
            #expect(accepted["state"] as? String == "IN_PROGRESS")
            let id = try #require(accepted["id"] as? Int)
            var state = "IN_PROGRESS"
            var polls = 0
            while state == "IN_PROGRESS", polls < 6000 {
                try await client.execute(uri: "/api/v1/orders/\(id)", method: .get, headers: headers(token: producer.token)) { response in
                    let json = object(response)
                    state = json["state"] as? String ?? "?"
                    if state == "IN_PROGRESS" {
                        let progress = json["progress"] as? [String: Any]
                        #expect(progress?["total"] as? Int == 20_000, "\(json)")
                        #expect((progress?["done"] as? Int ?? -1) <= 20_000)
                    }
                }
                polls += 1
                if state == "IN_PROGRESS" { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(state == "COMPLETED")
            let (retryStatus, retry) = try await place(client, token: producer.token, fields)
            #expect(retryStatus == .ok)
            #expect(retry["id"] as? Int == id)
            try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                #expect(text(response).split(separator: "\n").count == 20_000)
            }
        }
    }
}
