import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    /// The repo's `openapi.yaml`.
    static func repoDocument() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
    }

    @Test("GET /openapi.yaml serves the repo's openapi.yaml as it is (run scripts/embed-openapi.sh after editing it)")
    func servesRepoFile() async throws {
        let expected = try Self.repoDocument()
        try await TestServer.run { client, _ in
            try await client.execute(uri: "/api/v1/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
                #expect(text(response) == expected)
            }
        }
    }

    /// The statuses the document declares, by `METHOD /path`.
    static func declaredStatuses(_ document: String) -> [String: Set<Int>] {
        var declared: [String: Set<Int>] = [:]
        var path: String?
        var operation: String?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
                operation = nil
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let current = path {
                let key = line.dropFirst(4).split(separator: ":")[0]
                operation = ["get", "put", "post", "delete"].contains(key) ? "\(key.uppercased()) \(current)" : nil
            } else if !line.hasPrefix(" ") {
                path = nil
                operation = nil
            } else if let operation, line.hasPrefix("        \""), let status = Int(line.dropFirst(9).prefix(3)) {
                declared[operation, default: []].insert(status)
            }
        }
        return declared
    }

    @Test("The document declares the statuses the server answers: bad ids, oversized bodies, optional tokens, busy uploads")
    func statusesDeclared() throws {
        let declared = Self.declaredStatuses(try Self.repoDocument())
        let expected: [String: Set<Int>] = [
            "POST /participants": [201, 400, 401, 403, 413, 422],
            "GET /participants/{id}/tokens": [200, 400, 401, 403, 404],
            "POST /participants/{id}/tokens": [201, 400, 401, 403, 404, 409],
            "DELETE /participants/{id}/tokens/{tokenId}": [204, 400, 401, 403, 404],
            "PUT /products/{gtin}": [200, 201, 400, 401, 403, 413, 422],
            "GET /products/{gtin}": [200, 401, 404, 422],
            "GET /codes/{code}": [200, 401, 422],
            "GET /codes": [200, 400, 401, 422],
            "POST /codes/info": [200, 400, 401, 413, 422],
            "POST /violations": [201, 400, 413, 422],
            "POST /orders": [200, 201, 202, 400, 401, 403, 409, 413, 422],
            "PUT /gtin-assignments/{digits}": [200, 201, 400, 401, 403, 404, 422],
            "GET /orders/{id}": [200, 400, 401, 403, 404],
            "GET /orders/{id}/codes": [200, 400, 401, 403, 404, 409],
            "POST /documents": [200, 202, 400, 401, 403, 413, 415, 422, 429],
            "GET /documents/{id}": [200, 400, 401, 403, 404],
            "POST /documents/{id}/accept": [200, 400, 401, 403, 404, 409],
            "POST /documents/{id}/reject": [200, 400, 401, 403, 404, 409],
        ]
        for (operation, statuses) in expected {
            let missing = statuses.subtracting(declared[operation] ?? [])
            #expect(missing.isEmpty, "\(operation) does not declare \(missing.sorted())")
        }
    }

    @Test("POST /documents documents every query field the server reads")
    func documentQueryParameters() throws {
        let document = try Self.repoDocument()
        let start = try #require(document.range(of: "  /documents:\n"))
        let end = try #require(document.range(of: "  /documents/{id}:", range: start.upperBound..<document.endIndex))
        let section = document[start.upperBound..<end.lowerBound]
        for name in ["type", "number", "receiver", "acceptance", "reason", "date", "package", "customsDeclaration", "customsDeclarationDate", "productionDate"] {
            #expect(section.contains("{name: \(name), in: query"), "\(name)")
        }
    }

    @Test("Every route of the router, with its method, is in the document, and the document names no other path")
    func everyRouteDocumented() throws {
        let document = try Self.repoDocument()
        let temporary = try TemporaryService()
        let service = temporary.service
        defer { temporary.close() }
        // The document's paths and, under each, its methods.
        var documented: Set<String> = []
        var path: String?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let current = path {
                let key = line.dropFirst(4).split(separator: ":")[0]
                if ["get", "put", "post", "delete", "patch", "head"].contains(key) { documented.insert("\(key.uppercased()) \(current)") }
            } else if !line.hasPrefix(" ") {
                path = nil
            }
        }
        let routes = Set(
            MarkingApplication.buildRouter(service: service).routes.map { route in
                "\(route.method) \(route.path.description.hasPrefix("/") ? "" : "/")\(route.path)".replacingOccurrences(of: "/api/v1", with: "")
            })
        #expect(routes.count >= 17)
        #expect(routes.subtracting(documented).isEmpty, "undocumented: \(routes.subtracting(documented).sorted())")
        #expect(documented.subtracting(routes).isEmpty, "not served: \(documented.subtracting(routes).sorted())")
    }
}
