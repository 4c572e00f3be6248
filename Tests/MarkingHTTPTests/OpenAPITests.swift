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

    @Test("Every route of the router, with its method, is in the document, and the document names no other path")
    func everyRouteDocumented() throws {
        let document = try Self.repoDocument()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString)").path
        let store = try MarkingStore(dataFolder: folder)
        let service = try MarkingService(store: store, admin: AdminToken(secret: adminSecret))
        defer {
            service.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
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
