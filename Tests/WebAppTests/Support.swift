import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import TestSupport
import Testing
import WebApp

/// A web application over a store in its own temporary folder, driven through the
/// router, with a participant (a producer) and its token.
struct WebFixture: Sendable {
    static let adminSecret = "web-test-admin-token-0123456789abcdef"

    /// Runs `body` against a fresh web application and API on one router.
    static func run<R: Sendable>(_ body: @Sendable (Browser, MarkingService, String) async throws -> R) async throws -> R {
        let folder = TemporaryStore()
        let service = try MarkingService(store: try folder.open(), admin: AdminToken(secret: adminSecret))
        defer {
            service.close()
            folder.remove()
        }
        let web = try WebApp(service: service)
        let producer = try service.participants.register(name: "Tau Dairy LLP", bin: validBIN(7), roles: [.producer])
        let (_, secret) = try service.tokens.issue(for: producer.id)
        let application = Application(router: MarkingApplication.buildRouter(service: service, pages: { web.add(to: $0) }, sessions: web))
        return try await application.test(.router) { client in
            try await body(Browser(client: client), service, secret.text)
        }
    }
}

/// A browser over the router test client: keeps the cookies the answers set and
/// sends them back, as a real one would.
final class Browser: @unchecked Sendable {
    // Used from one test task at a time.
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(client: any TestClientProtocol) { self.client = client }

    @discardableResult
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(uri, method: .get, headers: headers, body: nil)
    }

    /// Posts `fields` as a form from this site.
    @discardableResult
    func post(_ uri: String, _ fields: [String: String], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let body = fields.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        return try await send(uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func send(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if !cookies.isEmpty, headers[.cookie] == nil {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), content = pair.count > 1 ? String(pair[1]) : ""
            if value.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = content }
        }
        return response
    }

    /// The form token of the page `uri` (the hidden `csrf` field).
    func formToken(_ uri: String) async throws -> String {
        let page = String(buffer: try await get(uri).body)
        guard let range = page.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return "" }
        return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    /// Signs in with `token` through the sign-in form.
    func signIn(_ token: String) async throws {
        let csrf = try await formToken("/signin")
        let response = try await post("/signin", ["csrf": csrf, "token": token])
        #expect(response.status == .seeOther)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

/// The answer's body as text.
func html(_ response: TestResponse) -> String { String(buffer: response.body) }

/// A valid GTIN-14 with body `body` (13 digits).
func gtin(_ body: UInt64) -> String {
    let digits = String(body) + String(GTIN.checkDigit(of: body))
    return String(repeating: "0", count: 14 - digits.count) + digits
}
