import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingHTTP
import TestSupport
import Testing

@Suite("Errors: problem+json in kk, ru, en")
struct ProblemTests {
    @Test("Accept-Language picks kk, ru or en by quality; ru by default")
    func languageNegotiation() {
        #expect(Language(acceptLanguage: nil) == .ru)
        #expect(Language(acceptLanguage: "") == .ru)
        #expect(Language(acceptLanguage: "kk") == .kk)
        #expect(Language(acceptLanguage: "kk-KZ,ru;q=0.8") == .kk)
        #expect(Language(acceptLanguage: "en-US") == .en)
        #expect(Language(acceptLanguage: "fr, en;q=0.5, ru;q=0.4") == .en)
        #expect(Language(acceptLanguage: "ru;q=0.2, kk;q=0.9") == .kk)
        #expect(Language(acceptLanguage: "de, fr") == .ru)
        #expect(Language(acceptLanguage: "en;q=0, kk;q=0.1") == .kk)
    }

    @Test("Every catalog entry has a title and a detail in every language, and a 4xx or 500 status")
    func catalogComplete() {
        for code in ProblemCatalog.codes {
            let entry = ProblemCatalog.entry(for: code)
            #expect([400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 431, 500, 503].contains(entry.status.code), "\(code)")
            for language in Language.allCases {
                #expect(!entry.text(in: language).title.isEmpty, "\(code) \(language)")
                #expect(!entry.text(in: language).detail.isEmpty, "\(code) \(language)")
            }
            #expect(entry.text(in: .kk).title != entry.text(in: .en).title, "\(code)")
            #expect(entry.text(in: .ru).title != entry.text(in: .en).title, "\(code)")
        }
    }

    @Test("A missing token is a 401 problem whose title follows Accept-Language")
    func localizedUnauthorized() async throws {
        try await TestServer.run { client, _ in
            let titles: [(String?, String, String)] = [
                (nil, "Нужен токен доступа", "ru"),
                ("ru-RU", "Нужен токен доступа", "ru"),
                ("kk", "Қол жеткізу токені қажет", "kk"),
                ("en-GB,en;q=0.9", "Access token required", "en"),
                ("fr, kk;q=0.3, en;q=0.2", "Қол жеткізу токені қажет", "kk"),
            ]
            for (language, title, tag) in titles {
                try await client.execute(uri: "/api/v1/orders/1", method: .get, headers: headers(language: language)) { response in
                    let problem = expectProblem(response, "auth.token_missing", .unauthorized)
                    #expect(problem["title"] as? String == title)
                    #expect(response.headers[.contentLanguage] == tag)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
        }
    }

    @Test("Detail is localized too: Russian and Kazakh details differ from the English one")
    func localizedDetail() async throws {
        try await TestServer.run { client, _ in
            var details: Set<String> = []
            for language in ["kk", "ru", "en"] {
                try await client.execute(uri: "/api/v1/codes/0104600", method: .get, headers: headers(language: language)) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let problem = object(response)
                    #expect((problem["code"] as? String)?.hasPrefix("code.") == true, "\(problem)")
                    details.insert(problem["detail"] as? String ?? "")
                    #expect(problem["position"] as? Int != nil)
                    #expect(pointers(problem) == ["code"])
                }
            }
            #expect(details.count == 3)
        }
    }

    @Test("Unknown routes and methods are 404 problems, never a 5xx")
    func unknownRoute() async throws {
        try await TestServer.run { client, _ in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get) { response in
                expectProblem(response, "route.unknown", .notFound)
            }
            try await client.execute(uri: "/api/v1/health", method: .delete) { response in
                expectProblem(response, "route.unknown", .notFound)
            }
            try await client.execute(uri: "/", method: .get) { response in
                expectProblem(response, "route.unknown", .notFound)
            }
        }
    }

    @Test("Health answers ok without a token")
    func health() async throws {
        try await TestServer.run { client, _ in
            try await client.execute(uri: "/api/v1/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(object(response)["status"] as? String == "ok")
            }
        }
    }

    @Test("Malformed bodies: not JSON, not an object, unknown field, wrong type, missing field, too large")
    func malformedBodies() async throws {
        try await TestServer.run { client, _ in
            let admin = headers(token: adminSecret, json: true)
            let uri = "/api/v1/participants"
            try await client.execute(uri: uri, method: .post, headers: admin, body: ByteBuffer(string: "{\"name\": ")) { response in
                expectProblem(response, "request.malformed_json", .badRequest)
            }
            try await client.execute(uri: uri, method: .post, headers: admin, body: ByteBuffer(string: "[1, 2]")) { response in
                expectProblem(response, "request.wrong_type", .badRequest)
            }
            try await client.execute(uri: uri, method: .post, headers: admin, body: ByteBuffer()) { response in
                expectProblem(response, "request.malformed_json", .badRequest)
            }
            try await client.execute(
                uri: uri, method: .post, headers: admin,
                body: body(["name": "A", "bin": validBIN(1), "roles": ["producer"], "colour": "red"])
            ) { response in
                let problem = expectProblem(response, "request.unknown_field", .badRequest)
                #expect(pointers(problem) == ["/colour"])
            }
            try await client.execute(
                uri: uri, method: .post, headers: admin, body: body(["name": "A", "bin": validBIN(1), "roles": "producer"])
            ) { response in
                let problem = expectProblem(response, "request.wrong_type", .badRequest)
                #expect(pointers(problem) == ["/roles"])
            }
            try await client.execute(
                uri: uri, method: .post, headers: admin, body: body(["name": "A", "bin": 123_456_789_012, "roles": ["producer"]])
            ) { response in
                let problem = expectProblem(response, "request.wrong_type", .badRequest)
                #expect(pointers(problem) == ["/bin"])
            }
            try await client.execute(uri: uri, method: .post, headers: admin, body: body(["name": "A", "roles": ["producer"]])) { response in
                let problem = expectProblem(response, "request.missing_field", .badRequest)
                #expect(pointers(problem) == ["/bin"])
            }
            let huge = ByteBuffer(string: "{\"name\": \"" + String(repeating: "x", count: 70_000) + "\"}")
            try await client.execute(uri: uri, method: .post, headers: admin, body: huge) { response in
                expectProblem(response, "request.too_large", .contentTooLarge)
            }
        }
    }
}
