import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

/// Headers for a code-list body of `contentType`.
func listHeaders(token: String, contentType: String, language: String? = nil) -> HTTPFields {
    var fields = headers(token: token, language: language)
    fields[.contentType] = contentType
    return fields
}

/// Submits a document whose fields are query parameters and whose codes are a text body.
func submitText(
    _ client: any TestClientProtocol, token: String, query: String, codes: [String], expect status: HTTPResponse.Status = .accepted,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [String: Any] {
    try await client.execute(
        uri: "/api/v1/documents?\(query)", method: .post, headers: listHeaders(token: token, contentType: "text/plain"),
        body: ByteBuffer(string: codes.joined(separator: "\n") + "\n")
    ) { response in
        #expect(response.status == status, "\(text(response))", sourceLocation: sourceLocation)
        return object(response)
    }
}

/// Polls a document until it leaves `IN_PROGRESS`, and returns it.
func finished(_ client: any TestClientProtocol, token: String, id: Int) async throws -> [String: Any] {
    for _ in 0..<500 {
        let json = try await client.execute(uri: "/api/v1/documents/\(id)", method: .get, headers: headers(token: token)) { response in
            #expect(response.status == .ok, "\(text(response))")
            return object(response)
        }
        if json["state"] as? String != "IN_PROGRESS" { return json }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("document \(id) stayed IN_PROGRESS")
    return [:]
}

/// A producer with `count` introduced codes (ordered, applied and introduced through
/// the API), and a second participant to ship them to.
func introducedCodes(_ client: any TestClientProtocol, count: Int) async throws -> (Registered, Registered, [String]) {
    let producer = try await register(client)
    let shop = try await register(client, name: "Shop LLP", seed: 2, roles: ["retailer"])
    let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: count)
    let codes = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
        text(response).split(separator: "\n").map(String.init)
    }
    for (type, number) in [("UTILISATION", "U-1"), ("INTRODUCTION", "I-1")] {
        let document = try await submitText(client, token: producer.token, query: "type=\(type)&number=\(number)", codes: codes)
        let done = try await finished(client, token: producer.token, id: document["id"] as? Int ?? 0)
        #expect(done["state"] as? String == "CHECKED_OK", "\(done)")
    }
    return (producer, shop, codes)
}

@Suite("Documents: streamed code lists, jobs in the background")
struct DocumentTests {
    @Test("A transfer streamed as text is answered 202 IN_PROGRESS, reaches CHECKED_OK and moves ownership")
    func transferMovesOwnership() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 500)
            let accepted = try await client.execute(
                uri: "/api/v1/documents?type=TRANSFER&number=INV-2026-001&receiver=\(shop.id)", method: .post,
                headers: listHeaders(token: producer.token, contentType: "text/plain; charset=utf-8"),
                body: ByteBuffer(string: codes.joined(separator: "\r\n"))
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                let json = object(response)
                #expect(response.headers[.location] == "/api/v1/documents/\(json["id"] as? Int ?? -1)")
                return json
            }
            #expect(accepted["state"] as? String == "IN_PROGRESS")
            #expect(accepted["participant"] as? Int == producer.id)
            #expect(accepted["receiver"] as? Int == shop.id)
            #expect(accepted["lines"] as? Int == 500)
            let done = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK")
            #expect(done["applied"] as? Int == 500)
            #expect((done["firstRefused"] as? [Any])?.isEmpty == true)
            #expect(done["progress"] == nil)
            for code in codes.prefix(20) {
                #expect(try service.store.check(try CodeParser().parse(code)).record?.owner == UInt32(shop.id))
            }
        }
    }

    @Test("An NDJSON list, objects or strings per line, is read line by line")
    func ndjsonList() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 50)
            var lines: [String] = []
            for (index, code) in codes.enumerated() {
                let value = index.isMultiple(of: 2) ? ["code": code] as Any : code as Any
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self))
            }
            let accepted = try await client.execute(
                uri: "/api/v1/documents?type=TRANSFER&number=N-1&receiver=\(shop.id)", method: .post,
                headers: listHeaders(token: producer.token, contentType: "application/x-ndjson"),
                body: ByteBuffer(string: lines.joined(separator: "\n"))
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                return object(response)
            }
            let done = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK")
            #expect(try service.store.check(try CodeParser().parse(codes[7])).record?.owner == UInt32(shop.id))
        }
    }

    @Test("A small JSON document with a codes array is accepted too")
    func jsonDocument() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 20)
            let accepted = try await client.execute(
                uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["type": "TRANSFER", "number": "J-1", "receiver": shop.id, "codes": codes])
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                return object(response)
            }
            let done = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK")
            #expect(done["lines"] as? Int == 20)
        }
    }

    @Test("A document with a code owned by someone else is CHECKED_NOT_OK, naming the line, and changes nothing")
    func foreignCodeRefused() async throws {
        try await TestServer.run { client, service in
            let (producer, shop, codes) = try await introducedCodes(client, count: 30)
            let other = try await register(client, name: "Other LLP", seed: 3, roles: ["producer"])
            let otherOrder = try await order(client, token: other.token, gtin: gtin(460_700_000_009), quantity: 1)
            let foreign = try await client.execute(uri: "/api/v1/orders/\(otherOrder)/codes", method: .get, headers: headers(token: other.token)) { response in
                text(response).split(separator: "\n").map(String.init)
            }
            var list = Array(codes.prefix(10))
            list.insert(foreign[0], at: 4)
            let accepted = try await submitText(client, token: producer.token, query: "type=TRANSFER&number=BAD-1&receiver=\(shop.id)", codes: list)
            let done = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_NOT_OK")
            #expect((done["refusals"] as? [String: Int])?["NOT_OWNER"] == 1)
            let refused = try #require((done["firstRefused"] as? [[String: Any]])?.first)
            #expect(refused["line"] as? Int == 5)
            #expect(refused["reason"] as? String == "NOT_OWNER")
            #expect(try service.store.check(try CodeParser().parse(codes[0])).record?.owner == UInt32(producer.id))
        }
    }

    @Test("Resubmitting the same number returns the first document, with the same id")
    func idempotentNumber() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 10)
            let first = try await submitText(client, token: producer.token, query: "type=TRANSFER&number=SAME-1&receiver=\(shop.id)", codes: codes)
            let firstID = try #require(first["id"] as? Int)
            _ = try await finished(client, token: producer.token, id: firstID)
            let again = try await submitText(
                client, token: producer.token, query: "type=TRANSFER&number=SAME-1&receiver=\(shop.id)", codes: codes, expect: .ok)
            #expect(again["id"] as? Int == firstID)
            #expect(again["state"] as? String == "CHECKED_OK")
            // Another participant may use the same number for its own document.
            let other = try await submitText(client, token: shop.token, query: "type=TRANSFER&number=SAME-1&receiver=\(producer.id)", codes: codes)
            #expect(other["id"] as? Int != firstID)
        }
    }

    @Test("Only the document's participant and the admin read it: another participant gets 403")
    func readingIsPrivate() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 5)
            let document = try await submitText(client, token: producer.token, query: "type=TRANSFER&number=P-1&receiver=\(shop.id)", codes: codes)
            let id = try #require(document["id"] as? Int)
            for token in [producer.token, adminSecret] {
                try await client.execute(uri: "/api/v1/documents/\(id)", method: .get, headers: headers(token: token)) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/api/v1/documents/\(id)", method: .get, headers: headers(token: shop.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: "/api/v1/documents/\(id)", method: .get) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            try await client.execute(uri: "/api/v1/documents/98765", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "document.unknown", .notFound)
            }
        }
    }

    @Test("Bad documents are refused with their own codes and nothing is stored")
    func badInput() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let shop = try await register(client, name: "Shop LLP", seed: 2, roles: ["retailer"])
            let code = "0104607000000014215aBcD3fGhIjKl"
            let textCases: [(String, String, String, HTTPResponse.Status, [String])] = [
                ("type=SHIPMENT&number=X-1", code, "document.type", .unprocessableContent, ["type"]),
                ("type=TRANSFER&number=X-1", code, "document.receiver_missing", .unprocessableContent, ["receiver"]),
                ("type=TRANSFER&number=X-1&receiver=\(producer.id)", code, "document.receiver_is_sender", .unprocessableContent, ["receiver"]),
                ("type=TRANSFER&number=X-1&receiver=999", code, "document.receiver_unknown", .unprocessableContent, ["receiver"]),
                ("type=TRANSFER&number=X-1&receiver=two", code, "request.wrong_type", .badRequest, ["receiver"]),
                ("type=TRANSFER&number=X-1&receiver=\(shop.id)", "\n\n", "document.empty", .unprocessableContent, ["codes"]),
                ("type=RETIREMENT&number=X-1", code, "document.reason", .unprocessableContent, ["reason"]),
                ("type=RETIREMENT&number=X-1&reason=LOST", code, "document.reason", .unprocessableContent, ["reason"]),
                ("type=UTILISATION&number=X-1&reason=LOST", code, "document.field_not_allowed", .unprocessableContent, ["reason"]),
                ("type=AGGREGATION&number=X-1", code, "document.package", .unprocessableContent, ["package"]),
                ("type=UTILISATION&number=%20", code, "document.number", .unprocessableContent, ["number"]),
                ("type=UTILISATION", code, "request.missing_field", .badRequest, ["number"]),
                ("type=UTILISATION&number=X-1&participant=\(shop.id)", code, "request.unknown_field", .badRequest, ["participant"]),
                ("type=UTILISATION&number=X-1&date=2026-02-30", code, "document.date", .unprocessableContent, ["date"]),
                ("type=UTILISATION&number=X-1&date=", code, "document.date", .unprocessableContent, ["date"]),
                ("type=TRANSFER&number=X-1&receiver=\(shop.id)&date=2026-1-5", code, "document.date", .unprocessableContent, ["date"]),
                ("type=INTRODUCTION&number=X-1&customsDeclarationDate=01.01.2026", code, "document.date", .unprocessableContent, ["customsDeclarationDate"]),
                ("type=INTRODUCTION&number=X-1&productionDate=2026-13-01", code, "document.date", .unprocessableContent, ["productionDate"]),
                ("type=INTRODUCTION&number=X-1&date=2026-01-01&productionDate=2025-02-29", code, "document.date", .unprocessableContent, ["productionDate"]),
            ]
            for (query, list, expectedCode, status, expected) in textCases {
                try await client.execute(
                    uri: "/api/v1/documents?\(query)", method: .post, headers: listHeaders(token: producer.token, contentType: "text/plain"),
                    body: ByteBuffer(string: list)
                ) { response in
                    let problem = expectProblem(response, expectedCode, status)
                    #expect(pointers(problem) == expected, "\(query)")
                }
            }
            let jsonCases: [([String: Any], String, HTTPResponse.Status, [String])] = [
                (["type": "TRANSFER", "number": "J-1", "receiver": shop.id, "codes": [code], "participant": shop.id], "request.unknown_field", .badRequest, ["/participant"]),
                (["type": "TRANSFER", "number": "J-1", "receiver": shop.id, "codes": []], "document.empty", .unprocessableContent, ["/codes"]),
                (["type": "TRANSFER", "number": "J-1", "codes": [code]], "document.receiver_missing", .unprocessableContent, ["/receiver"]),
                (["type": "TRANSFER", "number": "J-1", "receiver": shop.id, "codes": "x"], "request.wrong_type", .badRequest, ["/codes"]),
                (["type": "TRANSFER", "number": "J-1", "receiver": shop.id, "codes": [""]], "document.code_line", .badRequest, ["/codes"]),
                (["number": "J-1", "codes": [code]], "request.missing_field", .badRequest, ["/type"]),
                (["type": "UTILISATION", "number": "J-1", "date": "2026-04-31", "codes": [code]], "document.date", .unprocessableContent, ["/date"]),
                (["type": "INTRODUCTION", "number": "J-1", "customsDeclarationDate": "2026/01/01", "codes": [code]], "document.date", .unprocessableContent, ["/customsDeclarationDate"]),
                (["type": "INTRODUCTION", "number": "J-1", "productionDate": "yesterday", "codes": [code]], "document.date", .unprocessableContent, ["/productionDate"]),
                (["type": "UTILISATION", "number": "J-1", "codes": Array(repeating: code, count: 2), "date": 20260101], "request.wrong_type", .badRequest, ["/date"]),
            ]
            for (fields, expectedCode, status, expected) in jsonCases {
                try await client.execute(
                    uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true), body: body(fields)
                ) { response in
                    let problem = expectProblem(response, expectedCode, status)
                    #expect(pointers(problem) == expected, "\(fields)")
                }
            }
            try await client.execute(
                uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true), body: ByteBuffer(string: "{\"type\": ")
            ) { response in
                expectProblem(response, "request.malformed_json", .badRequest)
            }
            try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=X-1", method: .post,
                headers: listHeaders(token: producer.token, contentType: "application/x-ndjson"),
                body: ByteBuffer(string: "{\"code\": \"\(code)\"}\n{\"kod\": 1}\n")
            ) { response in
                let problem = expectProblem(response, "request.ndjson_line", .badRequest)
                #expect(pointers(problem) == ["line 2"])
            }
            try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=X-1", method: .post,
                headers: listHeaders(token: producer.token, contentType: "application/xml"), body: ByteBuffer(string: "<codes/>")
            ) { response in
                expectProblem(response, "request.media_type", .unsupportedMediaType)
            }
            try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=X-1", method: .post,
                headers: listHeaders(token: adminSecret, contentType: "text/plain"), body: ByteBuffer(string: code)
            ) { response in
                expectProblem(response, "auth.participant_only", .forbidden)
            }
            try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=X-1", method: .post,
                headers: listHeaders(token: "mkt_forged", contentType: "text/plain"), body: ByteBuffer(string: code)
            ) { response in
                expectProblem(response, "auth.token_invalid", .unauthorized)
            }
            #expect(try service.jobs.document(1) == nil)
        }
    }

    @Test("Document dates that exist, in the query or in JSON, are accepted and shown back as sent")
    func datesAccepted() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 4)
            let codes = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                text(response).split(separator: "\n").map(String.init)
            }
            let utilisation = try await submitText(client, token: producer.token, query: "type=UTILISATION&number=U-1&date=2028-02-29", codes: codes)
            #expect(utilisation["date"] as? String == "2028-02-29")
            _ = try await finished(client, token: producer.token, id: utilisation["id"] as? Int ?? 0)
            let introduction = try await client.execute(
                uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true),
                body: body([
                    "type": "INTRODUCTION", "number": "I-1", "date": "2026-03-01", "customsDeclarationDate": "2026-02-28",
                    "productionDate": "2025-12-31", "codes": codes,
                ])
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                return object(response)
            }
            let done = try await finished(client, token: producer.token, id: introduction["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK", "\(done)")
            #expect(done["date"] as? String == "2026-03-01")
            #expect(done["customsDeclarationDate"] as? String == "2026-02-28")
            #expect(done["productionDate"] as? String == "2025-12-31")
        }
    }

    @Test("With every upload slot taken, a streamed list is answered 429 request.busy with Retry-After; JSON documents still go")
    func busyUploads() async throws {
        try await TestServer.run(maximumUploads: 1) { client, service in
            let producer = try await register(client)
            let code = "0104607000000014215aBcD3fGhIjKl"
            // Another upload holds the only slot.
            #expect(service.uploads.acquire())
            for contentType in ["text/plain", "application/x-ndjson"] {
                try await client.execute(
                    uri: "/api/v1/documents?type=UTILISATION&number=B-1", method: .post,
                    headers: listHeaders(token: producer.token, contentType: contentType), body: ByteBuffer(string: "\"\(code)\"\n")
                ) { response in
                    expectProblem(response, "request.busy", .tooManyRequests)
                    #expect(response.headers[.retryAfter] == String(UploadSlots.retryAfterSeconds))
                }
            }
            #expect(try service.jobs.document(1) == nil)
            #expect(service.uploads.inUse == 1)
            let json = try await client.execute(
                uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true),
                body: body(["type": "UTILISATION", "number": "J-1", "codes": [code]])
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                return object(response)
            }
            _ = try await finished(client, token: producer.token, id: json["id"] as? Int ?? 0)
            // The other upload ends: the slot is free again.
            service.uploads.release()
            let accepted = try await submitText(client, token: producer.token, query: "type=UTILISATION&number=B-1", codes: [code])
            _ = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
        }
    }

    @Test("With no upload slots every streamed list is refused, in kk, ru and en, and never a 5xx")
    func noUploadSlots() async throws {
        try await TestServer.run(maximumUploads: 0) { client, service in
            let producer = try await register(client)
            let titles = [("kk", "Сервер бос емес"), ("ru", "Сервер занят"), ("en", "Server busy")]
            for (language, title) in titles {
                try await client.execute(
                    uri: "/api/v1/documents?type=UTILISATION&number=Z-1", method: .post,
                    headers: listHeaders(token: producer.token, contentType: "text/plain", language: language), body: ByteBuffer(string: "x\n")
                ) { response in
                    let problem = expectProblem(response, "request.busy", .tooManyRequests)
                    #expect(problem["title"] as? String == title)
                    #expect(response.headers[.retryAfter] != nil)
                }
            }
            #expect(try service.jobs.document(1) == nil)
        }
    }

    @Test("A streamed document with wrong fields is refused for them before it waits for an upload slot")
    func wrongFieldsRefusedBeforeTheSlot() async throws {
        try await TestServer.run(maximumUploads: 0) { client, service in
            let producer = try await register(client)
            for (query, code) in [
                ("type=SHIPPING&number=Z-1", "document.type"), ("type=RETIREMENT&number=Z-1", "document.reason"),
                ("type=UTILISATION&number=Z-1&date=2026-02-30", "document.date"),
            ] {
                try await client.execute(
                    uri: "/api/v1/documents?" + query, method: .post,
                    headers: listHeaders(token: producer.token, contentType: "text/plain", language: "en"), body: ByteBuffer(string: "x\n")
                ) { response in
                    _ = expectProblem(response, code, .unprocessableContent)
                }
            }
            #expect(service.uploads.inUse == 0)
        }
    }

    @Test("An upload slot is given back when the request is refused and when the document's job returns")
    func uploadSlotsReturn() async throws {
        try await TestServer.run(maximumUploads: 1) { client, service in
            let producer = try await register(client)
            let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_001), quantity: 3)
            let codes = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                text(response).split(separator: "\n").map(String.init)
            }
            // Refused while reading (a bad NDJSON line), after reading (no codes), and by the engine's checks.
            try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=R-1", method: .post,
                headers: listHeaders(token: producer.token, contentType: "application/x-ndjson"), body: ByteBuffer(string: "{\"kod\": 1}\n")
            ) { response in
                expectProblem(response, "request.ndjson_line", .badRequest)
            }
            #expect(service.uploads.inUse == 0)
            _ = try await submitText(client, token: producer.token, query: "type=UTILISATION&number=R-2", codes: [], expect: .unprocessableContent)
            #expect(service.uploads.inUse == 0)
            _ = try await submitText(client, token: producer.token, query: "type=TRANSFER&number=R-3&receiver=999", codes: codes, expect: .unprocessableContent)
            #expect(service.uploads.inUse == 0)
            for number in ["OK-1", "OK-2"] {
                let accepted = try await submitText(client, token: producer.token, query: "type=UTILISATION&number=\(number)", codes: codes)
                let done = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
                #expect(done["state"] as? String == (number == "OK-1" ? "CHECKED_OK" : "CHECKED_NOT_OK"))
                // The job gives its slot back just after it stores the final state.
                for _ in 0..<500 where service.uploads.inUse != 0 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(service.uploads.inUse == 0)
            }
        }
    }

    @Test("A document id that is not a whole number is a 400 naming the parameter")
    func badDocumentID() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            for id in ["abc", "-1", "1.5", "18446744073709551616"] {
                try await client.execute(uri: "/api/v1/documents/\(id)", method: .get, headers: headers(token: producer.token)) { response in
                    let problem = expectProblem(response, "request.parameter", .badRequest)
                    #expect(pointers(problem) == ["id"], "\(id)")
                }
            }
        }
    }

    @Test("A JSON document over 1 MiB is refused with 413 request.too_large, nothing stored")
    func jsonDocumentTooLarge() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let codes = Array(repeating: "0104607000000014215aBcD3fGhIjKl", count: 40_000)
            let large = body(["type": "UTILISATION", "number": "BIG-1", "codes": codes])
            #expect(large.readableBytes > 1024 * 1024)
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: headers(token: producer.token, json: true), body: large) { response in
                expectProblem(response, "request.too_large", .contentTooLarge)
            }
            #expect(try service.jobs.document(1) == nil)
        }
    }

    @Test("A code whose serial holds / % ? & \" ' < ; is read from a text/plain list line and applied")
    func awkwardSerialInList() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            let (_, code, _) = try awkwardCode(service, owner: producer)
            let accepted = try await submitText(client, token: producer.token, query: "type=UTILISATION&number=AW-1", codes: [code])
            let done = try await finished(client, token: producer.token, id: accepted["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK", "\(done)")
            #expect(done["applied"] as? Int == 1)
            #expect(try service.store.check(try CodeParser().parse(code)).record?.status == .applied)
        }
    }

    @Test("Document errors follow Accept-Language")
    func localizedDocumentErrors() async throws {
        try await TestServer.run { client, _ in
            let producer = try await register(client)
            let titles = [("kk", "Құжат түрі белгісіз"), ("ru", "Неизвестный тип документа"), ("en", "Unknown document type")]
            for (language, title) in titles {
                try await client.execute(
                    uri: "/api/v1/documents?type=SHIPMENT&number=X-1", method: .post,
                    headers: listHeaders(token: producer.token, contentType: "text/plain", language: language), body: ByteBuffer(string: "x")
                ) { response in
                    let problem = expectProblem(response, "document.type", .unprocessableContent)
                    #expect(problem["title"] as? String == title)
                    #expect(response.headers[.contentLanguage] == language)
                }
            }
        }
    }

    @Test("A code list over 10,000,000 lines is refused with document.too_many_codes, nothing stored")
    func lineLimit() async throws {
        try await TestServer.run { client, service in
            let producer = try await register(client)
            var list = ByteBuffer()
            list.writeRepeatingByte(UInt8(ascii: "\n"), count: 10_000_001)
            try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=BIG-1", method: .post,
                headers: listHeaders(token: producer.token, contentType: "text/plain"), body: list
            ) { response in
                expectProblem(response, "document.too_many_codes", .contentTooLarge)
            }
            #expect(try service.jobs.document(1) == nil)
        }
    }

    @Test("A 20,000-code list streams over a live connection; while it runs, progress never passes its total")
    func liveStreamedList() async throws {
        try await TestServer.run(live: true) { client, service in
            let producer = try await register(client)
            let id = try await order(client, token: producer.token, gtin: gtin(460_700_000_003), quantity: 20_000, template: "s7-93")
            let list = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: producer.token)) { response in
                response.body
            }
            let accepted = try await client.execute(
                uri: "/api/v1/documents?type=UTILISATION&number=LIVE-1", method: .post,
                headers: listHeaders(token: producer.token, contentType: "text/plain"), body: list
            ) { response in
                #expect(response.status == .accepted, "\(text(response))")
                return object(response)
            }
            #expect(accepted["lines"] as? Int == 20_000)
            let documentID = try #require(accepted["id"] as? Int)
            var final: [String: Any] = [:]
            for _ in 0..<2_000 {
                final = try await client.execute(uri: "/api/v1/documents/\(documentID)", method: .get, headers: headers(token: producer.token)) { response in
                    object(response)
                }
                guard final["state"] as? String == "IN_PROGRESS" else { break }
                if let progress = final["progress"] as? [String: Int] {
                    #expect([0, 60_000].contains(progress["total"] ?? -1))
                    #expect((progress["completed"] ?? -1) <= (progress["total"] ?? 0))
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(final["state"] as? String == "CHECKED_OK", "\(final)")
            #expect(final["applied"] as? Int == 20_000)
            #expect(final["progress"] == nil)
            let first = String(String(buffer: list).prefix { $0 != "\n" })
            #expect(try service.store.check(try CodeParser().parse(first)).record?.status == .applied)
        }
    }
}
