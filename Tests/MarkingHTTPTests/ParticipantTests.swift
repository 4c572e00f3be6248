import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import RocksDB
import TestSupport
import Testing

@Suite("Participants and tokens")
struct ParticipantTests {
    @Test("The admin registers a participant; the token is shown once and works")
    func registration() async throws {
        try await TestServer.run { client, _ in
            let json = try await client.execute(
                uri: "/api/v1/participants", method: .post, headers: headers(token: adminSecret, json: true),
                body: body(["name": "  Astana Milk LLP ", "bin": validBIN(4), "roles": ["producer", "importer", "producer"]])
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] != nil)
                return object(response)
            }
            #expect(json["name"] as? String == "Astana Milk LLP")
            #expect(json["bin"] as? String == validBIN(4))
            #expect(json["roles"] as? [String] == ["producer", "importer"])
            let id = try #require(json["id"] as? Int)
            let token = try #require(json["token"] as? [String: Any])
            let secret = try #require(token["token"] as? String)
            #expect(secret.hasPrefix("mkt_") && secret.count == 47)
            try await client.execute(uri: "/api/v1/participants/\(id)/tokens", method: .get, headers: headers(token: secret)) { response in
                #expect(response.status == .ok)
                let list = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]
                #expect(list?.count == 1)
                #expect(list?.first?["token"] == nil, "a listed token never shows its secret")
            }
        }
    }

    @Test("Registration needs the admin token and valid name, BIN and roles")
    func registrationRefusals() async throws {
        try await TestServer.run { client, _ in
            let uri = "/api/v1/participants"
            let good: [String: Any] = ["name": "Shop IE", "bin": validBIN(2), "roles": ["retailer"]]
            try await client.execute(uri: uri, method: .post, headers: headers(json: true), body: body(good)) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            try await client.execute(uri: uri, method: .post, headers: headers(token: "mkt_forged", json: true), body: body(good)) { response in
                expectProblem(response, "auth.token_invalid", .unauthorized)
            }
            var basic = headers(json: true)
            basic[.authorization] = "Basic YWRtaW46YWRtaW4="
            try await client.execute(uri: uri, method: .post, headers: basic, body: body(good)) { response in
                expectProblem(response, "auth.token_missing", .unauthorized)
            }
            let participant = try await register(client, seed: 3)
            try await client.execute(uri: uri, method: .post, headers: headers(token: participant.token, json: true), body: body(good)) { response in
                expectProblem(response, "auth.admin_only", .forbidden)
            }
            var wrongCheckDigit = validBIN(2)
            wrongCheckDigit = String(wrongCheckDigit.dropLast()) + String((Int(String(wrongCheckDigit.last!))! + 1) % 10)
            let cases: [([String: Any], String, [String])] = [
                (["name": "Shop IE", "bin": wrongCheckDigit, "roles": ["retailer"]], "participant.bin", ["/bin"]),
                (["name": "Shop IE", "bin": "12345", "roles": ["retailer"]], "participant.bin", ["/bin"]),
                (["name": "   ", "bin": validBIN(2), "roles": ["retailer"]], "participant.name", ["/name"]),
                (["name": "Shop IE", "bin": validBIN(2), "roles": []], "participant.roles", ["/roles"]),
                (["name": "Shop IE", "bin": validBIN(2), "roles": ["retailer", "pirate"]], "participant.roles", ["/roles/1"]),
                (["name": "", "bin": "x", "roles": ["pirate"]], "participant.name", ["/name", "/bin", "/roles/0"]),
            ]
            for (fields, code, expected) in cases {
                try await client.execute(uri: uri, method: .post, headers: headers(token: adminSecret, json: true), body: body(fields)) { response in
                    let problem = expectProblem(response, code, .unprocessableContent)
                    #expect(pointers(problem) == expected)
                }
            }
        }
    }

    @Test("Rotation: a second token, both work, at most two, the revoked one stops at once")
    func rotation() async throws {
        try await TestServer.run { client, _ in
            let first = try await register(client)
            let tokensURI = "/api/v1/participants/\(first.id)/tokens"
            let second = try await client.execute(uri: tokensURI, method: .post, headers: headers(token: first.token)) { response in
                #expect(response.status == .created)
                let json = object(response)
                return (id: json["id"] as? Int ?? 0, token: json["token"] as? String ?? "")
            }
            #expect(second.token.hasPrefix("mkt_") && second.token != first.token)
            for token in [first.token, second.token] {
                try await client.execute(uri: tokensURI, method: .get, headers: headers(token: token)) { response in
                    #expect(response.status == .ok)
                }
            }
            // A third while two are active is refused, even for the admin.
            try await client.execute(uri: tokensURI, method: .post, headers: headers(token: adminSecret)) { response in
                expectProblem(response, "token.limit", .conflict)
            }
            // Revoke the first with the second.
            try await client.execute(uri: "\(tokensURI)/\(first.tokenID)", method: .delete, headers: headers(token: second.token)) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: tokensURI, method: .get, headers: headers(token: first.token, language: "en")) { response in
                let problem = expectProblem(response, "auth.token_invalid", .unauthorized)
                #expect(problem["title"] as? String == "Invalid token")
            }
            try await client.execute(uri: tokensURI, method: .get, headers: headers(token: second.token)) { response in
                #expect(response.status == .ok)
                let list = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]
                #expect(list?.compactMap { $0["id"] as? Int } == [second.id])
            }
            try await client.execute(uri: "\(tokensURI)/\(first.tokenID)", method: .delete, headers: headers(token: second.token)) { response in
                expectProblem(response, "token.unknown", .notFound)
            }
            // Room for a new one again.
            try await client.execute(uri: tokensURI, method: .post, headers: headers(token: adminSecret)) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test("A participant cannot see or touch another's tokens; bad ids are refused")
    func otherParticipants() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client, seed: 1)
            let other = try await register(client, name: "Other LLP", seed: 2)
            let uri = "/api/v1/participants/\(owner.id)/tokens"
            try await client.execute(uri: uri, method: .get, headers: headers(token: other.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: uri, method: .post, headers: headers(token: other.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: "\(uri)/\(owner.tokenID)", method: .delete, headers: headers(token: other.token)) { response in
                expectProblem(response, "auth.forbidden", .forbidden)
            }
            try await client.execute(uri: "/api/v1/participants/999/tokens", method: .post, headers: headers(token: adminSecret)) { response in
                expectProblem(response, "participant.unknown", .notFound)
            }
            try await client.execute(uri: "/api/v1/participants/abc/tokens", method: .get, headers: headers(token: adminSecret)) { response in
                let problem = expectProblem(response, "request.parameter", .badRequest)
                #expect(pointers(problem) == ["id"])
            }
            try await client.execute(uri: "\(uri)/-1", method: .delete, headers: headers(token: adminSecret)) { response in
                expectProblem(response, "request.parameter", .badRequest)
            }
        }
    }

    @Test("Listing, issuing and revoking tokens without a token, or with a non-Bearer one, is 401 and changes nothing")
    func tokenCallsNeedAToken() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            let uri = "/api/v1/participants/\(owner.id)/tokens"
            var basic = HTTPFields()
            basic[.authorization] = "Basic \(Data("admin:\(adminSecret)".utf8).base64EncodedString())"
            for fields in [HTTPFields(), basic, headers(token: " ")] {
                try await client.execute(uri: uri, method: .get, headers: fields) { response in
                    expectProblem(response, "auth.token_missing", .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
                try await client.execute(uri: uri, method: .post, headers: fields) { response in
                    expectProblem(response, "auth.token_missing", .unauthorized)
                }
                try await client.execute(uri: "\(uri)/\(owner.tokenID)", method: .delete, headers: fields) { response in
                    expectProblem(response, "auth.token_missing", .unauthorized)
                }
            }
            try await client.execute(uri: uri, method: .get, headers: headers(token: owner.token)) { response in
                #expect(response.status == .ok)
                let tokens = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]
                #expect(tokens?.map { $0["id"] as? Int } == [owner.tokenID], "no token issued, none revoked")
            }
            try await client.execute(uri: "\(uri)/abc", method: .delete, headers: headers(token: owner.token)) { response in
                #expect(pointers(expectProblem(response, "request.parameter", .badRequest)) == ["tokenId"])
            }
            try await client.execute(uri: "/api/v1/participants/x/tokens", method: .post, headers: headers(token: adminSecret)) { response in
                #expect(pointers(expectProblem(response, "request.parameter", .badRequest)) == ["id"])
            }
        }
    }

    @Test("Tokens are stored hashed: no stored byte string holds a secret")
    func storedHashed() async throws {
        try await TestServer.run { client, service in
            let participant = try await register(client)
            let store = service.store
            var stored: [[UInt8]] = []
            for (key, value) in try store.entries(of: .participants) {
                stored.append(key)
                stored.append(value)
            }
            let secret = Array(participant.token.utf8)
            let body = Array(participant.token.dropFirst(4).utf8)
            #expect(!stored.isEmpty)
            for bytes in stored {
                #expect(!bytes.containsRun(secret) && !bytes.containsRun(body))
            }
            #expect(stored.contains(BearerSecret(text: participant.token).hash) || stored.contains { $0.suffix(32) == BearerSecret(text: participant.token).hash[...] })
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs as a contiguous run.
    func containsRun(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        return false
    }
}
