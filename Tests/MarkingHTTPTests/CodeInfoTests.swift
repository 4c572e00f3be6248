import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import TestSupport
import Testing

@Suite("Code information in bulk, packages and last documents")
struct CodeInfoTests {
    /// Posts `codes` to `POST /codes/info` with `token` and returns the answer's lines.
    func info(_ client: any TestClientProtocol, token: String, _ codes: [String]) async throws -> [[String: Any]] {
        try await client.execute(
            uri: "/api/v1/codes/info", method: .post, headers: headers(token: token, json: true), body: body(["codes": codes])
        ) { response in
            #expect(response.status == .ok, "\(text(response))")
            return object(response)["codes"] as? [[String: Any]] ?? []
        }
    }

    @Test("POST /codes/info answers every code in order: known, unknown and unreadable each in its place")
    func infoAnswersEachCodeInItsPlace() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let id = try await order(client, token: owner.token, gtin: gtin(460_700_000_001), quantity: 3)
            let codes = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: owner.token)) { response in
                text(response).split(separator: "\n").map(String.init)
            }
            let unknown = "01" + gtin(460_700_000_099) + "21" + "ABCDEFGHIJKLM"
            let asked = codes + [unknown, "(01)123"]
            let lines = try await info(client, token: owner.token, asked)
            #expect(lines.count == asked.count)
            #expect(lines.map { $0["input"] as? String } == asked)
            for line in lines.prefix(3) {
                let check = line["check"] as? [String: Any] ?? [:]
                #expect(check["genuine"] as? Bool == true)
                #expect(check["owner"] as? Int == owner.id)
            }
            let unknownCheck = lines[3]["check"] as? [String: Any] ?? [:]
            #expect(unknownCheck["known"] as? Bool == false)
            #expect(unknownCheck["problem"] as? String == "code.unknown")
            let unreadable = lines[4]["problem"] as? [String: Any] ?? [:]
            #expect((unreadable["code"] as? String)?.hasPrefix("code.") == true, "\(unreadable)")
            #expect(lines[4]["check"] == nil)

            let seenByOther = try await info(client, token: other.token, codes)
            for line in seenByOther {
                let check = line["check"] as? [String: Any] ?? [:]
                #expect(check["genuine"] as? Bool == true)
                #expect(check["owner"] == nil, "another participant must not see the owner")
            }
        }
    }

    @Test("POST /codes/info needs a token and takes 1 to 1000 codes")
    func infoRefusesBadCalls() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            try await client.execute(
                uri: "/api/v1/codes/info", method: .post, headers: headers(json: true), body: body(["codes": ["x"]])
            ) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            for codes in [[String](), Array(repeating: "(01)04607000000014(21)ABC", count: 1001)] {
                try await client.execute(
                    uri: "/api/v1/codes/info", method: .post, headers: headers(token: owner.token, json: true), body: body(["codes": codes])
                ) { response in
                    #expect(pointers(expectProblem(response, "codes.count", .unprocessableContent)) == ["/codes"])
                }
            }
            try await client.execute(
                uri: "/api/v1/codes/info", method: .post, headers: headers(token: owner.token, json: true), body: body(["codes": "x"])
            ) { response in
                expectProblem(response, "request.wrong_type", .badRequest)
            }
        }
    }

    @Test("POST /codes/info refuses a body that is not JSON (400) or is over 512 KiB (413)")
    func infoRefusesMalformedAndLargeBodies() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            for malformed in ["{\"codes\": [", "codes=x", "{codes: []}"] {
                try await client.execute(
                    uri: "/api/v1/codes/info", method: .post, headers: headers(token: owner.token, json: true), body: ByteBuffer(string: malformed)
                ) { response in
                    expectProblem(response, "request.malformed_json", .badRequest)
                }
            }
            // Under 1000 codes, but each far longer than a real one.
            let large = body(["codes": Array(repeating: String(repeating: "9", count: 600), count: 900)])
            #expect(large.readableBytes > 512 * 1024)
            try await client.execute(uri: "/api/v1/codes/info", method: .post, headers: headers(token: owner.token, json: true), body: large) { response in
                expectProblem(response, "request.too_large", .contentTooLarge)
            }
        }
    }

    @Test("A code whose serial holds / % ? & \" ' < ; is answered correctly by POST /codes/info")
    func infoAwkwardSerial() async throws {
        try await TestServer.run { client, service in
            let owner = try await register(client)
            let (serial, code, _) = try awkwardCode(service, owner: owner)
            let textual = code.replacingOccurrences(of: "\u{1D}", with: "<GS>")
            let lines = try await info(client, token: owner.token, [code, textual])
            #expect(lines.map { $0["input"] as? String } == [code, textual])
            for line in lines {
                let check = line["check"] as? [String: Any] ?? [:]
                #expect(check["genuine"] as? Bool == true, "\(line)")
                #expect(check["serial"] as? String == serial)
                #expect(check["elementString"] as? String == code)
                #expect(check["owner"] as? Int == owner.id)
            }
        }
    }

    @Test("A packed unit's check shows its package to everyone; its owner also sees the last document")
    func checkShowsPackageAndLastDocument() async throws {
        try await TestServer.run { client, _ in
            let (producer, _, codes) = try await introducedCodes(client, count: 4)
            let digits = ssccDigits(77_777_777_777_777_777)
            let sscc = "00" + digits
            let packed = try await submitText(
                client, token: producer.token, query: "type=AGGREGATION&number=A-1&package=\(sscc)", codes: Array(codes.prefix(2)))
            let done = try await finished(client, token: producer.token, id: packed["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK", "\(done)")
            let uri = "/api/v1/codes/\(percentEncoded(codes[0]))"
            try await client.execute(uri: uri, method: .get) { response in
                let json = object(response)
                let packages = json["packages"] as? [[String: Any]] ?? []
                #expect(packages.count == 1)
                #expect(packages.first?["label"] as? String == "(00)" + digits)
                #expect(packages.first?["kind"] as? String == "TRANSPORT")
                #expect(json["lastDocument"] == nil)
            }
            try await client.execute(uri: uri, method: .get, headers: headers(token: producer.token)) { response in
                let last = object(response)["lastDocument"] as? [String: Any] ?? [:]
                #expect(last["number"] as? String == "A-1")
                #expect(last["type"] as? String == "AGGREGATION")
            }
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(codes[3]))", method: .get) { response in
                #expect(object(response)["packages"] == nil)
            }
        }
    }

    @Test("A package's owner sees what it holds and the counts; others get 403, unknown labels 404")
    func packageShowsContentsToItsOwner() async throws {
        try await TestServer.run { client, _ in
            let (producer, shop, codes) = try await introducedCodes(client, count: 3)
            let sscc = TestSupport.sscc(123)
            let packed = try await submitText(
                client, token: producer.token, query: "type=AGGREGATION&number=A-1&package=\(sscc)", codes: Array(codes.prefix(2)))
            let done = try await finished(client, token: producer.token, id: packed["id"] as? Int ?? 0)
            #expect(done["state"] as? String == "CHECKED_OK", "\(done)")
            let uri = "/api/v1/packages/\(percentEncoded(sscc))"
            try await client.execute(uri: uri, method: .get, headers: headers(token: producer.token)) { response in
                #expect(response.status == .ok, "\(text(response))")
                let json = object(response)
                #expect(json["kind"] as? String == "TRANSPORT")
                #expect(json["directUnits"] as? Int == 2)
                #expect(json["totalUnits"] as? Int == 2)
                #expect((json["units"] as? [String])?.count == 2)
                #expect(json["owner"] as? Int == producer.id)
            }
            try await client.execute(uri: uri, method: .get, headers: headers(token: shop.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: uri, method: .get) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            let other = TestSupport.sscc(999)
            try await client.execute(uri: "/api/v1/packages/\(other)", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "package.unknown", .notFound)
            }
            try await client.execute(uri: "/api/v1/packages/00123", method: .get, headers: headers(token: producer.token)) { response in
                expectProblem(response, "input.invalid", .unprocessableContent)
            }
        }
    }
}

@Suite("Violation reports")
struct ViolationTests {
    @Test("Anyone reports a suspected fake; it is stored with the IP, audited, and listed to the admin only")
    func violationIsStoredAndAudited() async throws {
        try await TestServer.run(live: true) { client, _ in
            let owner = try await register(client)
            let fake = "(01)" + gtin(460_700_000_001) + "(21)FAKEFAKEFAKE1"
            let stored = try await client.execute(
                uri: "/api/v1/violations", method: .post, headers: headers(json: true),
                body: body(["code": fake, "place": "Shop on Abay 10, Almaty", "comment": "label looks reprinted"])
            ) { response in
                #expect(response.status == .created, "\(text(response))")
                return object(response)
            }
            #expect(stored["genuine"] as? Bool == false)
            #expect(stored["serial"] as? String == "FAKEFAKEFAKE1")
            #expect(stored["place"] as? String == "Shop on Abay 10, Almaty")
            let unreadable = try await client.execute(
                uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: body(["code": "not a code at all"])
            ) { response in
                #expect(response.status == .created, "\(text(response))")
                return object(response)
            }
            #expect(unreadable["gtin"] == nil)
            let reports = try await client.execute(uri: "/api/v1/violations", method: .get, headers: headers(token: adminSecret)) { response in
                #expect(response.status == .ok)
                return object(response)["reports"] as? [[String: Any]] ?? []
            }
            #expect(reports.map { $0["code"] as? String } == [fake, "not a code at all"])
            #expect(reports.allSatisfy { ($0["ip"] as? String)?.isEmpty == false })
            try await client.execute(uri: "/api/v1/violations", method: .get, headers: headers(token: owner.token)) { response in
                expectProblem(response, "auth.admin_only", .forbidden)
            }
            var audited: [[String: Any]] = []
            for _ in 0..<100 {
                audited = try await client.execute(uri: "/api/v1/audit?participant=public", method: .get, headers: headers(token: adminSecret)) { response in
                    (object(response)["entries"] as? [[String: Any]] ?? []).filter { $0["route"] as? String == "/api/v1/violations" }
                }
                if audited.count == 2 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(audited.count == 2)
            #expect(audited.allSatisfy { $0["status"] as? Int == 201 && $0["method"] as? String == "POST" })
        }
    }

    @Test("Bad reports are refused with their own codes and nothing is stored")
    func badReportsAreRefused() async throws {
        try await TestServer.run { client, service in
            let cases: [([String: Any], String, HTTPResponse.Status, [String])] = [
                (["place": "somewhere"], "request.missing_field", .badRequest, ["/code"]),
                (["code": ""], "violation.code", .unprocessableContent, ["/code"]),
                (["code": String(repeating: "9", count: 201)], "violation.code", .unprocessableContent, ["/code"]),
                (["code": "x", "comment": String(repeating: "a", count: 2001)], "violation.text", .unprocessableContent, ["/comment"]),
                (["code": "x", "place": "   "], "violation.text", .unprocessableContent, ["/place"]),
                (["code": "x", "phone": "+7"], "request.unknown_field", .badRequest, ["/phone"]),
                (["code": 42], "request.wrong_type", .badRequest, ["/code"]),
            ]
            for (fields, code, status, expected) in cases {
                try await client.execute(uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: body(fields)) { response in
                    #expect(pointers(expectProblem(response, code, status)) == expected, "\(fields)")
                }
            }
            for malformed in ["{\"code\": ", "code=x", "{'code': 'x'}"] {
                try await client.execute(uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: ByteBuffer(string: malformed)) { response in
                    expectProblem(response, "request.malformed_json", .badRequest)
                }
            }
            let large = body(["code": "x", "comment": String(repeating: "a", count: 70_000)])
            try await client.execute(uri: "/api/v1/violations", method: .post, headers: headers(json: true), body: large) { response in
                expectProblem(response, "request.too_large", .contentTooLarge)
            }
            #expect(try service.violations.list().isEmpty)
        }
    }
}
