import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

/// A full product card (every value a string).
let card: [String: String] = [
    "tradeName": "Milk 3.2% 1 l", "producer": "Astana Milk LLP", "country": "KZ", "template": "s13-91-92",
    "customsDeclaration": "50503/010126/0000001", "customsDeclarationDate": "2026-01-01", "productionPlace": "Astana",
    "productionDate": "2026-02-28", "certificate": "KZ.7500361.01.01.12345", "price": "450.00",
]

@Suite("Product cards")
struct ProductTests {
    @Test("A producer registers its product: 201, read back by anyone, updated with 200, owner hidden from the public")
    func roundTrip() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let good = gtin(460_700_000_001)
            try await client.execute(
                uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: body(card)
            ) { response in
                #expect(response.status == .created, "\(text(response))")
                #expect(response.headers[.location] == "/api/v1/products/\(good)")
                let json = object(response)
                #expect(json["gtin"] as? String == good)
                #expect(json["owner"] as? Int == producer.id)
            }
            try await client.execute(uri: "/api/v1/products/\(good)", method: .get) { response in
                #expect(response.status == .ok)
                let json = object(response)
                for (key, value) in card { #expect(json[key] as? String == value, "\(key)") }
                #expect(json["owner"] == nil)
            }
            var changed: [String: Any] = card
            changed["price"] = "475"
            try await client.execute(
                uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: body(changed)
            ) { response in
                #expect(response.status == .ok)
                #expect(object(response)["price"] as? String == "475")
            }
            try await client.execute(uri: "/api/v1/products/\(gtin(460_700_000_002))", method: .get) { response in
                expectProblem(response, "product.unknown", .notFound)
            }
        }
    }

    @Test("A card is stored as one flat JSON object: its C5 fields beside gtin, owner and updatedAt, as the body named them")
    func storedFlat() async throws {
        #expect(ProductCardInput.fields == Set(card.keys).union(["importer"]), "the body's field names are the card's C5 fields")
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let good = gtin(460_700_000_001)
            try await client.execute(
                uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: body(card)
            ) { #expect($0.status == .created) }
            let bytes = try #require(try service.store.product(try GTIN(good)))
            let stored = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            #expect(Set(stored.keys) == Set(card.keys).union(["gtin", "owner", "updatedAt"]))
            for (key, value) in card { #expect(stored[key] as? String == value, "\(key)") }
            #expect(stored["gtin"] as? String == good)
            #expect(stored["owner"] as? Int == producer.id)
            let given = try JSONDecoder().decode(ProductCardInput.self, from: JSONSerialization.data(withJSONObject: card))
            #expect(try service.products.product(try GTIN(good))?.card == given, "read back field for field")
        }
    }

    @Test("The public check of a code shows its product's card, without the owner")
    func publicCheckShowsProduct() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let good = gtin(460_700_000_001)
            let id = try await order(client, token: producer.token, gtin: good, quantity: 3)
            let code = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                String(text(response).split(separator: "\n")[0])
            }
            try await client.execute(
                uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: body(card)
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(code))", method: .get) { response in
                #expect(response.status == .ok)
                let json = object(response)
                #expect(json["genuine"] as? Bool == true)
                #expect(json["owner"] == nil)
                let product = try #require(json["product"] as? [String: Any])
                for (key, value) in card { #expect(product[key] as? String == value, "\(key)") }
                #expect(product["gtin"] as? String == good)
                #expect(product["owner"] == nil)
            }
        }
    }

    @Test("Bad cards, wrong GTINs, other roles and someone else's GTIN are refused with their own codes")
    func refusals() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let importer = try await register(client, name: "Import LLP", seed: 2, roles: ["importer"])
            let retailer = try await register(client, name: "Shop IE", seed: 3, roles: ["retailer"])
            let good = gtin(460_700_000_001)
            let badCheckDigit = String(good.dropLast()) + String((Int(String(good.last!))! + 1) % 10)
            try await client.execute(
                uri: "/api/v1/products/\(badCheckDigit)", method: .put, headers: headers(token: producer.token, json: true), body: body(card)
            ) { response in
                let problem = expectProblem(response, "gtin.check_digit", .unprocessableContent)
                #expect(pointers(problem) == ["gtin"])
            }
            func with(_ key: String, _ value: Any) -> [String: Any] {
                var fields: [String: Any] = card
                fields[key] = value
                return fields
            }
            var noName: [String: Any] = card
            noName["tradeName"] = nil
            let cases: [([String: Any], String, HTTPResponse.Status, [String])] = [
                (with("tradeName", "  "), "product.trade_name", .unprocessableContent, ["/tradeName"]),
                (with("country", "Kazakhstan"), "product.country", .unprocessableContent, ["/country"]),
                (with("productionDate", "2026-02-30"), "product.date", .unprocessableContent, ["/productionDate"]),
                (with("customsDeclarationDate", "01.01.2026"), "product.date", .unprocessableContent, ["/customsDeclarationDate"]),
                (with("price", "12.345"), "product.price", .unprocessableContent, ["/price"]),
                (with("price", 450), "request.wrong_type", .badRequest, ["/price"]),
                (with("template", "s99"), "template.unknown", .unprocessableContent, ["/template"]),
                (with("producer", ""), "product.text", .unprocessableContent, ["/producer"]),
                (with("owner", 2), "request.unknown_field", .badRequest, ["/owner"]),
                (noName, "request.missing_field", .badRequest, ["/tradeName"]),
            ]
            for (fields, code, status, expected) in cases {
                try await client.execute(
                    uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: body(fields)
                ) { response in
                    let problem = expectProblem(response, code, status)
                    #expect(pointers(problem) == expected, "\(fields)")
                }
            }
            #expect(try service.products.product(GTIN(good)) == nil)
            for token in [retailer.token, adminSecret] {
                try await client.execute(
                    uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: token, json: true), body: body(card)
                ) { response in
                    expectProblem(response, "auth.role", .forbidden)
                }
            }
            try await client.execute(
                uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: body(card)
            ) { response in
                #expect(response.status == .created)
            }
            try await client.execute(
                uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: importer.token, json: true), body: body(with("price", "1"))
            ) { response in
                expectProblem(response, "product.foreign", .forbidden)
            }
            #expect(try service.products.product(GTIN(good))?.price == "450.00")
        }
    }

    @Test("A GTIN of 8, 12 or 13 digits is refused as gtin.invalid, not padded, and every language says to send 14 digits")
    func shortGTINsAreNotPadded() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let full = gtin(460_700_000_001)
            for short in [String(full.dropFirst(1)), String(full.dropFirst(2)), "96385074"] {
                try await client.execute(
                    uri: "/api/v1/products/\(short)", method: .put, headers: headers(token: producer.token, json: true), body: body(card)
                ) { response in
                    #expect(pointers(expectProblem(response, "gtin.invalid", .unprocessableContent)) == ["gtin"], "\(short)")
                }
                try await client.execute(uri: "/api/v1/products/\(short)", method: .get) { response in
                    expectProblem(response, "gtin.invalid", .unprocessableContent)
                }
                try await client.execute(
                    uri: "/api/v1/orders", method: .post, headers: headers(token: producer.token, json: true), body: body(["gtin": short, "quantity": 1])
                ) { response in
                    #expect(pointers(expectProblem(response, "gtin.invalid", .unprocessableContent)) == ["/gtin"], "\(short)")
                }
            }
            #expect(try service.products.product(GTIN(full)) == nil)
            let entry = ProblemCatalog.entry(for: "gtin.invalid")
            for (language, fourteen, pad) in [(Language.kk, "14 цифр", "толықтырып жіберіңіз"), (.ru, "14 цифр", "передавайте дополненным"), (.en, "14 digits", "send a GTIN-8")] {
                let detail = entry.text(in: language).detail
                #expect(detail.contains(fourteen) && detail.contains(pad), "\(language): \(detail)")
            }
        }
    }

    @Test("PUT /products refuses a body over 64 KiB with 413; GET with a wrong or non-Bearer token is 401")
    func largeCardAndBadToken() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let good = gtin(460_700_000_001)
            let large = body(["tradeName": "Milk", "certificate": String(repeating: "C", count: 70_000)])
            try await client.execute(uri: "/api/v1/products/\(good)", method: .put, headers: headers(token: producer.token, json: true), body: large) { response in
                expectProblem(response, "request.too_large", .contentTooLarge)
            }
            #expect(try service.products.product(GTIN(good)) == nil)
            try await registerProduct(client, token: producer.token, gtin: good)
            try await client.execute(uri: "/api/v1/products/\(good)", method: .get, headers: headers(token: "mkt_forged")) { response in
                expectProblem(response, "auth.token_invalid", .unauthorized)
            }
            var basic = HTTPFields()
            basic[.authorization] = "Basic YWRtaW46eA=="
            try await client.execute(uri: "/api/v1/products/\(good)", method: .get, headers: basic) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
        }
    }

    @Test("Product errors follow Accept-Language")
    func localizedProductErrors() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            var fields: [String: Any] = card
            fields["country"] = "kz"
            let titles = [("kk", "Ел коды қате"), ("ru", "Неверный код страны"), ("en", "Invalid country code")]
            for (language, title) in titles {
                var fieldsHeaders = headers(token: producer.token, language: language, json: true)
                fieldsHeaders[.accept] = "application/json"
                try await client.execute(
                    uri: "/api/v1/products/\(gtin(460_700_000_001))", method: .put, headers: fieldsHeaders, body: body(fields)
                ) { response in
                    let problem = expectProblem(response, "product.country", .unprocessableContent)
                    #expect(problem["title"] as? String == title)
                    #expect(response.headers[.contentLanguage] == language)
                }
            }
        }
    }
}
