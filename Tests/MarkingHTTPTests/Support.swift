import Emitter
import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import TestSupport
import Testing

/// The admin token every test server accepts.
let adminSecret = "test-admin-token-0123456789abcdef"

/// A service with the test admin token over a store in its own temporary folder;
/// ``close()`` closes it and removes the folder.
struct TemporaryService {
    let folder: TemporaryStore
    let service: MarkingService

    /// `maximumUploads` caps the streamed code lists the service holds at once;
    /// `limits` are its request rates.
    /// `synchronousOrderLimit` is the largest order answered `201`.
    init(
        maximumUploads: Int = UploadSlots.defaultLimit, limits: RateLimits = .unlimited,
        synchronousOrderLimit: Int = MarkingService.defaultSynchronousOrderLimit
    ) throws {
        folder = TemporaryStore()
        service = try MarkingService(
            store: try folder.open(), admin: AdminToken(secret: adminSecret), maximumUploads: maximumUploads, limits: limits,
            synchronousOrderLimit: synchronousOrderLimit)
    }

    func close() {
        service.close()
        folder.remove()
    }
}

/// A test server on its own temporary data folder, removed afterwards.
struct TestServer {
    /// Runs `body` against a fresh server (router test framework unless `live`);
    /// `maximumUploads` caps its streamed code lists held at once; `limits` are its
    /// request rates.
    static func run<R: Sendable>(
        live: Bool = false, maximumUploads: Int = UploadSlots.defaultLimit, limits: RateLimits = .unlimited,
        synchronousOrderLimit: Int = MarkingService.defaultSynchronousOrderLimit,
        _ body: @Sendable (any TestClientProtocol, MarkingService) async throws -> R
    ) async throws -> R {
        let temporary = try TemporaryService(maximumUploads: maximumUploads, limits: limits, synchronousOrderLimit: synchronousOrderLimit)
        let service = temporary.service
        defer { temporary.close() }
        let application = Application(router: MarkingApplication.buildRouter(service: service))
        return try await application.test(live ? .live : .router) { client in try await body(client, service) }
    }
}

/// Headers with a bearer token and, optionally, a language.
func headers(token: String? = nil, language: String? = nil, json: Bool = false) -> HTTPFields {
    var fields = HTTPFields()
    if let token { fields[.authorization] = "Bearer \(token)" }
    if let language { fields[.acceptLanguage] = language }
    if json { fields[.contentType] = "application/json" }
    return fields
}

/// A JSON body.
func body(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

/// A response body as a JSON object (empty when it is not one).
func object(_ response: TestResponse) -> [String: Any] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
    else { return [:] }
    return object
}

/// A response body as text.
func text(_ response: TestResponse) -> String {
    String(buffer: response.body)
}

/// A valid GTIN-14 with body `body` (13 digits).
func gtin(_ body: UInt64) -> String {
    let digits = String(body) + String(GTIN.checkDigit(of: body))
    return String(repeating: "0", count: 14 - digits.count) + digits
}

/// Percent-encodes every byte but RFC 3986's unreserved characters.
func percentEncoded(_ text: String) -> String {
    var output = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            output.append(Character(Unicode.Scalar(byte)))
        default:
            output += String(format: "%%%02X", byte)
        }
    }
    return output
}

/// A registered participant and its first token.
struct Registered: Sendable {
    var id: Int
    var token: String
    var tokenID: Int
}

/// Registers a participant through the API with the admin token.
func register(
    _ client: any TestClientProtocol, name: String = "Producer LLP", seed: Int = 1, roles: [String] = ["producer"]
) async throws -> Registered {
    try await client.execute(
        uri: "/api/v1/participants", method: .post, headers: headers(token: adminSecret, json: true),
        body: body(["name": name, "bin": validBIN(seed), "roles": roles])
    ) { response in
        #expect(response.status == .created)
        let json = object(response)
        let token = json["token"] as? [String: Any] ?? [:]
        return Registered(id: json["id"] as? Int ?? 0, token: token["token"] as? String ?? "", tokenID: token["id"] as? Int ?? 0)
    }
}

/// Registers (or updates) the product card of `gtin` as the participant of `token`:
/// codes are ordered only for one's own registered products.
func registerProduct(_ client: any TestClientProtocol, token: String, gtin: String) async throws {
    try await client.execute(
        uri: "/api/v1/products/\(gtin)", method: .put, headers: headers(token: token, json: true),
        body: body(["tradeName": "Product \(gtin)"])
    ) { response in
        #expect(response.status == .created || response.status == .ok, "\(text(response))")
    }
}

/// Registers the product card of `gtin`, places an order through the API and returns its id.
func order(_ client: any TestClientProtocol, token: String, gtin: String, quantity: Int, template: String? = nil) async throws -> Int {
    try await registerProduct(client, token: token, gtin: gtin)
    var fields: [String: Any] = ["gtin": gtin, "quantity": quantity]
    if let template { fields["template"] = template }
    return try await client.execute(
        uri: "/api/v1/orders", method: .post, headers: headers(token: token, json: true), body: body(fields)
    ) { response in
        #expect(response.status == .created, "\(text(response))")
        return object(response)["id"] as? Int ?? 0
    }
}

/// Registers the product card of `gtin` through the API and places an order through the
/// service itself: for orders large enough that, on a loaded machine, their emission
/// could outlast the live test client's fixed 20 s per request.
func order(
    _ client: any TestClientProtocol, _ service: MarkingService, token: String, gtin: String, quantity: Int, template: String? = nil
) async throws -> Int {
    try await registerProduct(client, token: token, gtin: gtin)
    guard case .participant(let participant) = try await service.caller(secret: BearerSecret(text: token)) else {
        throw Problem(.auth.tokenInvalid)
    }
    let (placed, status) = try await service.placeOrder(OrderInput(gtin: gtin, quantity: quantity, template: template), by: participant)
    #expect(status == .created)
    return Int(placed.id)
}

/// Checks that `response` is a problem document with `code` and `status`, and returns it.
@discardableResult
func expectProblem(
    _ response: TestResponse, _ code: String, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
) -> [String: Any] {
    #expect(response.status == status, "\(text(response))", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let json = object(response)
    #expect(json["code"] as? String == code, "\(json)", sourceLocation: sourceLocation)
    #expect(json["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
    #expect(json["type"] as? String == "urn:marking:problem:\(code)", sourceLocation: sourceLocation)
    #expect((json["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect((json["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    return json
}

/// The JSON pointers of a problem's field errors.
func pointers(_ problem: [String: Any]) -> [String] {
    (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
}

/// A self-made code of `owner` whose 13-character serial holds the characters that
/// URLs, JSON, CSV and HTML treat specially (`/ % ? & " ' < ;`): its serial, the
/// code as printed (group separators as U+001D) and the order it came from.
func awkwardCode(_ service: MarkingService, owner: Registered) throws -> (serial: String, code: String, order: UInt64) {
    let serial = #"/%?&"'<;Ab12Z"#
    #expect(serial.utf8.count == 13)
    let product = try GTIN(gtin(460_700_000_003))
    let template = TemplateCatalog.standard.defaultTemplate
    let selfMade = try service.emitter.registerSelfMade(
        [serial], request: EmissionRequest(gtin: product, quantity: 1, template: template, producer: UInt32(owner.id)))
    let cis = CIS(gtin: product, serial: try Serial(serial))
    let keyID = service.store.keys.activeKeyID
    let code = MarkingCode(
        cis: cis, keyID: keyID, tail: service.store.signer.tail(for: cis, kind: template.tail, keyID: keyID), tailKind: template.tail
    ).formatted()
    return (serial, code, selfMade.id)
}
