import Emitter
import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

@Suite("Public code check")
struct CodeCheckTests {
    /// The first code of a fresh 10-code order of `participant`.
    func firstCode(_ client: any TestClientProtocol, _ participant: Registered) async throws -> String {
        let id = try await order(client, token: participant.token, gtin: gtin(460_700_000_001), quantity: 10)
        return try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: participant.token)) { response in
            String(text(response).split(separator: "\n").first ?? "")
        }
    }

    @Test("The public sees genuine and status but never owner, producer or order; the owner does")
    func publicRevealsNoOwner() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let code = try await firstCode(client, owner)
            let uri = "/api/v1/codes/\(percentEncoded(code))"
            for token in [nil, other.token] {
                try await client.execute(uri: uri, method: .get, headers: headers(token: token)) { response in
                    #expect(response.status == .ok)
                    let json = object(response)
                    #expect(json["genuine"] as? Bool == true)
                    #expect(json["known"] as? Bool == true)
                    #expect(json["status"] as? String == "EMITTED")
                    #expect(json["tail"] as? String == "valid")
                    #expect(json["elementString"] as? String == code)
                    for hidden in ["owner", "producer", "order"] {
                        #expect(json[hidden] == nil, "\(hidden) must not be shown")
                    }
                    #expect(!text(response).contains("\"owner\""))
                }
            }
            for token in [owner.token, adminSecret] {
                try await client.execute(uri: uri, method: .get, headers: headers(token: token)) { response in
                    let json = object(response)
                    #expect(json["owner"] as? Int == owner.id)
                    #expect(json["producer"] as? Int == owner.id)
                    #expect(json["order"] as? Int != nil)
                }
            }
            try await client.execute(uri: uri, method: .get, headers: headers(token: "mkt_revoked-or-forged")) { response in
                expectProblem(response, "auth.token_invalid", .unauthorized)
            }
        }
    }

    @Test("Unknown, forged and unreadable codes: not genuine, or a 422 with the position")
    func notGenuine() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            let code = try await firstCode(client, owner)
            var forged = code
            let last = forged.removeLast()
            forged.append(last == "A" ? "B" : "A")
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(forged))", method: .get) { response in
                #expect(response.status == .ok)
                let json = object(response)
                #expect(json["genuine"] as? Bool == false)
                #expect(json["known"] as? Bool == true)
                #expect(json["tail"] as? String == "invalid")
                #expect(json["problem"] as? String == "code.tail")
            }
            let unknown = "01" + gtin(460_700_000_009) + "21" + "ABCDEFGHIJKLM"
            try await client.execute(uri: "/api/v1/codes/\(unknown)", method: .get) { response in
                #expect(response.status == .ok)
                let json = object(response)
                #expect(json["genuine"] as? Bool == false)
                #expect(json["known"] as? Bool == false)
                #expect(json["problem"] as? String == "code.unknown")
                #expect(json["status"] == nil)
            }
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded("01" + gtin(460_700_000_009) + "21" + "AB\u{7F}"))", method: .get, headers: headers(language: "en")) { response in
                #expect(response.status == .unprocessableContent)
                let json = object(response)
                #expect((json["code"] as? String)?.hasPrefix("code.") == true)
                #expect(json["title"] as? String == "The marking code cannot be read")
                #expect((json["position"] as? Int ?? 0) > 0)
            }
            try await client.execute(uri: "/api/v1/codes", method: .get) { response in
                expectProblem(response, "request.parameter", .badRequest)
            }
            try await client.execute(uri: "/api/v1/codes?code=", method: .get) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
    }

    @Test("A serial with / % ? & \" ' < ; survives the URL path, the query string, text, CSV and NDJSON")
    func awkwardSerial() async throws {
        try await TestServer.run { client, service in
            let owner = try await register(client)
            let (serial, code, selfMade) = try awkwardCode(service, owner: owner)

            func expectGenuine(_ response: TestResponse) {
                #expect(response.status == .ok, "\(text(response))")
                let json = object(response)
                #expect(json["genuine"] as? Bool == true)
                #expect(json["serial"] as? String == serial)
                #expect(json["elementString"] as? String == code)
                #expect(json["selfMade"] as? Bool == true)
            }
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(code))", method: .get) { expectGenuine($0) }
            try await client.execute(uri: "/api/v1/codes?code=\(percentEncoded(code))", method: .get) { expectGenuine($0) }
            try await client.execute(uri: "/api/v1/codes?format=x&code=\(percentEncoded(code))&z=1", method: .get) { expectGenuine($0) }
            let textual = code.replacingOccurrences(of: "\u{1D}", with: "<GS>")
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(textual))", method: .get) { expectGenuine($0) }
            let withPrefix = "]d2" + code
            try await client.execute(uri: "/api/v1/codes/\(percentEncoded(withPrefix))", method: .get) { expectGenuine($0) }

            let base = "/api/v1/orders/\(selfMade)/codes"
            try await client.execute(uri: base, method: .get, headers: headers(token: owner.token)) { response in
                #expect(text(response) == code + "\n")
            }
            try await client.execute(uri: "\(base)?format=csv", method: .get, headers: headers(token: owner.token)) { response in
                #expect(text(response) == "code\n\"" + code.replacingOccurrences(of: "\"", with: "\"\"") + "\"\n")
            }
            try await client.execute(uri: "\(base)?format=ndjson", method: .get, headers: headers(token: owner.token)) { response in
                let line = text(response).trimmingCharacters(in: .newlines)
                let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
                #expect(decoded?["code"] == code)
            }
        }
    }
}
