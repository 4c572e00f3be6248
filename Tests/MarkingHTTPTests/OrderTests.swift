import Emitter
import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

@Suite("Orders and code downloads")
struct OrderTests {
    @Test("A producer orders codes: 201, COMPLETED, visible to it and the admin only")
    func placeAndRead() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2, roles: ["importer"])
            try await registerProduct(client, token: producer.token, gtin: gtin(460_700_000_001))
            let json = try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["gtin": gtin(460_700_000_001), "quantity": 1000])
            ) { response in
                #expect(response.status == .created)
                let json = object(response)
                #expect(response.headers[.location] == "/api/v1/orders/\(json["id"] as? Int ?? -1)")
                return json
            }
            #expect(json["state"] as? String == "COMPLETED")
            #expect(json["quantity"] as? Int == 1000)
            #expect(json["template"] as? String == "s13-91-92")
            #expect(json["gtin"] as? String == gtin(460_700_000_001))
            #expect(json["producer"] as? Int == producer.id)
            let id = try #require(json["id"] as? Int)
            for token in [producer.token, adminSecret] {
                try await client.execute(uri: "/api/v1/orders/\(id)", method: .get, headers: headers(token: token)) { response in
                    #expect(response.status == .ok)
                    #expect(object(response)["id"] as? Int == id)
                }
            }
            try await client.execute(uri: "/api/v1/orders/\(id)", method: .get, headers: headers(token: other.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: other.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: "/api/v1/orders/\(id)", method: .get) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            try await client.execute(uri: "/api/v1/orders/4242", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "order.unknown", .notFound)
            }
            try await client.execute(uri: "/api/v1/orders/x1", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "request.parameter", .badRequest)
            }
        }
    }

    @Test("Downloading codes needs a token (401), a whole-number id (400), a known order (404), a COMPLETED one (409) and a known format (400)")
    func downloadRefusals() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 5)
            try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: "mkt_forged")) { response in
                expectProblem(response, "auth.token_invalid", .unauthorized)
            }
            for bad in ["abc", "-1", "1e3", "18446744073709551616"] {
                try await client.execute(uri: "/api/v1/orders/\(bad)/codes", method: .get, headers: headers(token: producer.token)) { response in
                    #expect(pointers(expectProblem(response, "request.parameter", .badRequest)) == ["id"], "\(bad)")
                }
            }
            try await client.execute(uri: "/api/v1/orders/4242/codes", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "order.unknown", .notFound)
            }
            try await client.execute(uri: "/api/v1/orders/\(id)/codes?format=xml", method: .get, headers: headers(token: producer.token)) { response in
                #expect(pointers(expectProblem(response, "request.parameter", .badRequest)) == ["format"])
            }
            // Reserved but never generated: what a crash in the middle of an emission leaves.
            let reserved = try service.emitter.reserve(
                EmissionRequest(gtin: try GTIN(gtin(460_700_000_001)), quantity: 5, template: service.store.catalog.defaultTemplate, producer: UInt32(producer.id)))
            try await client.execute(uri: "/api/v1/orders/\(reserved.id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "order.not_ready", .conflict)
            }
        }
    }

    @Test("Bad orders are refused with their own codes and pointers, and nothing is emitted")
    func refusals() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let retailer = try await register(client, name: "Shop IE", seed: 3, roles: ["retailer"])
            let good = gtin(460_700_000_001)
            var badCheckDigit = good
            badCheckDigit = String(badCheckDigit.dropLast()) + String((Int(String(badCheckDigit.last!))! + 1) % 10)
            let cases: [([String: Any], String, HTTPResponse.Status, [String])] = [
                (["gtin": badCheckDigit, "quantity": 10], "gtin.check_digit", .unprocessableContent, ["/gtin"]),
                (["gtin": "46070abc", "quantity": 10], "gtin.invalid", .unprocessableContent, ["/gtin"]),
                (["gtin": good, "quantity": 0], "order.quantity", .unprocessableContent, ["/quantity"]),
                (["gtin": good, "quantity": 100_000_001], "order.quantity", .unprocessableContent, ["/quantity"]),
                (["gtin": good, "quantity": 10, "template": "s99"], "template.unknown", .unprocessableContent, ["/template"]),
                (["gtin": good, "quantity": "10"], "request.wrong_type", .badRequest, ["/quantity"]),
                (["gtin": good, "quantity": 1.5], "request.wrong_type", .badRequest, ["/quantity"]),
                (["gtin": good, "quantity": 10, "serial": "x"], "request.unknown_field", .badRequest, ["/serial"]),
                (["quantity": 10], "request.missing_field", .badRequest, ["/gtin"]),
            ]
            for (fields, code, status, expected) in cases {
                try await client.execute(
                    uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true), body: body(fields)
                ) { response in
                    let problem = expectProblem(response, code, status)
                    #expect(pointers(problem) == expected, "\(fields)")
                }
            }
            for token in [retailer.token, adminSecret] {
                try await client.execute(
                    uri: "/api/v1/orders", method: .post, headers: headers(token: token, json: true),
                    body: body(["gtin": good, "quantity": 10])
                ) { response in
                    expectProblem(response, "auth.role", .forbidden)
                }
            }
            #expect(try service.emitter.nextCounter(gtin: GTIN(good), serialLength: 13) == 0)
        }
    }

    @Test("Codes are ordered only for one's own registered product: unregistered 422, someone else's 403")
    func ordersOnlyForOwnProducts() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let product = gtin(460_700_000_001)
            try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["gtin": product, "quantity": 10])
            ) { response in
                #expect(pointers(expectProblem(response, "order.product_unregistered", .unprocessableContent)) == ["/gtin"])
            }
            try await registerProduct(client, token: other.token, gtin: product)
            try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["gtin": product, "quantity": 10])
            ) { response in
                #expect(pointers(expectProblem(response, "order.gtin_foreign", .forbidden)) == ["/gtin"])
            }
            #expect(try service.emitter.nextCounter(gtin: GTIN(product), serialLength: 13) == 0)
            _ = try await order(client, token: other.token, gtin: product, quantity: 10)
            #expect(try service.emitter.nextCounter(gtin: GTIN(product), serialLength: 13) == 10)
        }
    }

    @Test("Self-made serials with / % ? & \" ' < ; are stored as given and downloaded back exactly")
    func selfMadeSerialsRoundTrip() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let product = gtin(460_700_000_001)
            try await registerProduct(client, token: producer.token, gtin: product)
            let serials = [#"/%?&"'<;Ab12Z"#, "ABCDEFGHIJKLM", "0000000000001"]
            let id = try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["gtin": product, "quantity": 3, "serialNumbers": serials])
            ) { response in
                #expect(response.status == .created, "\(text(response))")
                let json = object(response)
                #expect(json["selfMade"] as? Bool == true)
                #expect(json["quantity"] as? Int == 3)
                return json["id"] as? Int ?? 0
            }
            let codes = try await client.execute(
                uri: "/api/v1/orders/\(id)/codes?format=ndjson", method: .get, headers: headers(token: producer.token)
            ) { response in
                text(response).split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["code"]
                }
            }
            #expect(codes.count == 3)
            for code in codes {
                try await client.execute(uri: "/api/v1/codes/\(percentEncoded(code))", method: .get) { response in
                    let json = object(response)
                    #expect(json["genuine"] as? Bool == true, "\(json)")
                    #expect(serials.contains(json["serial"] as? String ?? ""))
                }
            }
            try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["gtin": product, "quantity": 1, "serialNumbers": [serials[1]]])
            ) { response in
                expectProblem(response, "serial.taken", .conflict)
            }
        }
    }

    @Test("Bad self-made serials are refused whole, pointing at the first bad one, and nothing is stored")
    func badSelfMadeSerials() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let product = gtin(460_700_000_001)
            try await registerProduct(client, token: producer.token, gtin: product)
            let cases: [([String: Any], String, [String])] = [
                (["quantity": 2, "serialNumbers": ["ABCDEFGHIJKLM", "SHORT"]], "serial.invalid", ["/serialNumbers/1"]),
                (["quantity": 2, "serialNumbers": ["ABCDEFGHIJKLM", "ABCDEFGHIJKLM"]], "serial.invalid", ["/serialNumbers/1"]),
                (["quantity": 1, "serialNumbers": ["ABCDEFGHIJK\u{0416}M"]], "serial.invalid", ["/serialNumbers/0"]),
                (["quantity": 3, "serialNumbers": ["ABCDEFGHIJKLM", "ABCDEFGHIJKLN"]], "order.quantity", ["/quantity"]),
                (["quantity": 1, "serialNumbers": [String]()], "order.quantity", ["/serialNumbers"]),
            ]
            for (fields, code, expected) in cases {
                var fields = fields
                fields["gtin"] = product
                try await client.execute(
                    uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true), body: body(fields)
                ) { response in
                    #expect(pointers(expectProblem(response, code, .unprocessableContent)) == expected, "\(fields)")
                }
            }
            let cis = CIS(gtin: try GTIN(product), serial: try Serial("ABCDEFGHIJKLM"))
            #expect(try service.store.record(for: cis) == nil)
        }
    }

    @Test("Downloads in text, csv and ndjson carry the same codes, every one genuine")
    func downloads() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 1000)
            let base = "/api/v1/orders/\(id)/codes"
            let textCodes = try await client.execute(uri: base, method: .get, headers: headers(token: producer.token)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                return text(response).split(separator: "\n").map(String.init)
            }
            #expect(textCodes.count == 1000)
            #expect(Set(textCodes).count == 1000)
            let csv = try await client.execute(uri: "\(base)?format=csv", method: .get, headers: headers(token: producer.token)) { response in
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                return text(response).split(separator: "\n").map(String.init)
            }
            #expect(csv.first == "code")
            let csvCodes = csv.dropFirst().map { line in
                String(line.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
            }
            let ndjsonCodes = try await client.execute(uri: "\(base)?format=ndjson", method: .get, headers: headers(token: producer.token)) { response in
                #expect(response.headers[.contentType] == "application/x-ndjson")
                return text(response).split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["code"]
                }
            }
            #expect(Set(csvCodes) == Set(textCodes))
            #expect(Set(ndjsonCodes) == Set(textCodes))
            for code in textCodes.prefix(25) {
                let check = try service.store.check(try CodeParser().parse(code))
                #expect(check.isGenuine)
                #expect(check.record?.owner == UInt32(producer.id))
            }
            try await client.execute(uri: "\(base)?format=xml", method: .get, headers: headers(token: producer.token)) { response in
                let problem = expectProblem(response, "request.parameter", .badRequest)
                #expect(pointers(problem) == ["format"])
            }
        }
    }

    @Test("A 50,000-code order streams chunked over a live connection")
    func largeOrderStreams() async throws {
        try await TestServer.run(live: true) { client, service in
            let producer = try await register(client)
            let id = try await order(client, service, token: producer.token, gtin: gtin(460_700_000_002), quantity: 50_000, template: "s7-93")
            try await client.execute(uri: "/api/v1/orders/\(id)/codes?format=ndjson", method: .get, headers: headers(token: producer.token)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.transferEncoding] == "chunked")
                #expect(response.headers[.contentLength] == nil)
                let lines = text(response).split(separator: "\n")
                #expect(lines.count == 50_000)
                #expect(Set(lines).count == 50_000)
            }
        }
    }
}
