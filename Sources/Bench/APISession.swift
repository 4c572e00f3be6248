import Foundation
import LoadClient
import MarkingCore
import NIOCore

/// The calls a load run makes to set the server up and to drive orders and documents:
/// one keep-alive connection, one call at a time, every answer checked. Hot loops
/// (code checks) do not go through here; they run in ``RequestLoop``.
struct APISession: Sendable {
    let connection: HTTPConnection
    let server: ServerUnderTest

    static func open(_ server: ServerUnderTest, group: any EventLoopGroup) async throws -> APISession {
        APISession(connection: try await HTTPConnection.connect(host: server.host, port: server.port, group: group), server: server)
    }

    func close() async { await connection.close() }

    /// Runs `body` with a session of its own, closed afterwards whatever happens.
    static func with<T: Sendable>(_ server: ServerUnderTest, group: any EventLoopGroup, _ body: (APISession) async throws -> T) async throws -> T {
        let session = try await open(server, group: group)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// A registered participant and its token.
    struct Participant: Sendable {
        var id: Int
        var token: String
    }

    /// Waits until `GET /health` answers 200.
    static func waitUntilHealthy(_ server: ServerUnderTest, group: any EventLoopGroup, seconds: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            do {
                let status = try await with(server, group: group) { session in
                    try await session.connection.execute(HTTPRequest("GET", "/api/v1/health"), timeout: .seconds(5)).status
                }
                if status == 200 { return }
                last = "health answered \(status)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPBenchError(.server, "\(server.base) is not healthy after \(Int(seconds)) s: \(last)")
    }

    /// Sends a JSON call and returns the answer's object, failing unless the status is `expect`.
    func json(_ method: String, _ target: String, token: String, body: [String: Any]? = nil, expect: Set<Int>) async throws -> [String: Any] {
        var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(token)")]
        var payload = RequestBody.none
        if let body {
            headers.append(("Content-Type", "application/json"))
            payload = .bytes(Array(try JSONSerialization.data(withJSONObject: body)))
        }
        let result = try await connection.execute(HTTPRequest(method, target, headers: headers, body: payload))
        guard expect.contains(result.status) else {
            throw HTTPBenchError(.setup, "\(method) \(target) answered \(result.status): \(String(decoding: result.body.prefix(500), as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: Data(result.body))) as? [String: Any] ?? [:]
    }

    /// Registers a participant with a fresh valid BIN.
    func register(name: String, roles: [String], seed: Int) async throws -> Participant {
        let answer = try await json(
            "POST", "/api/v1/participants", token: server.adminToken,
            body: ["name": name, "bin": Self.bin(seed: seed), "roles": roles], expect: [201])
        guard let id = answer["id"] as? Int, let token = (answer["token"] as? [String: Any])?["token"] as? String else {
            throw HTTPBenchError(.setup, "POST /participants answered without an id and token")
        }
        return Participant(id: id, token: token)
    }

    /// Registers a product card for `gtin`.
    func registerProduct(_ gtin: String, owner: Participant) async throws {
        _ = try await json(
            "PUT", "/api/v1/products/\(gtin)", token: owner.token,
            body: ["tradeName": "Bench milk 3.2% 1 l", "producer": "Bench Producer", "country": "KZ", "price": "450.00"],
            expect: [200, 201])
    }

    /// Places an order and returns its id once it is `COMPLETED`.
    func order(gtin: String, quantity: Int, by producer: Participant) async throws -> Int {
        let answer = try await json(
            "POST", "/api/v1/orders", token: producer.token, body: ["gtin": gtin, "quantity": quantity], expect: [201])
        guard let id = answer["id"] as? Int, answer["state"] as? String == "COMPLETED", answer["quantity"] as? Int == quantity else {
            throw HTTPBenchError(.verification, "order of \(quantity) codes answered \(answer)")
        }
        return id
    }

    /// Streams an order's codes as text into `consumer` and checks their count.
    func download(order: Int, quantity: Int, by producer: Participant, into consumer: CodeListConsumer) async throws {
        let result = try await connection.execute(
            HTTPRequest("GET", "/api/v1/orders/\(order)/codes?format=text", headers: [("Authorization", "Bearer \(producer.token)")]),
            consumer: consumer)
        guard result.status == 200 else { throw HTTPBenchError(.verification, "download of order \(order) answered \(result.status)") }
        let lines = try consumer.finish()
        guard lines == quantity else {
            throw HTTPBenchError(.verification, "order \(order) downloaded \(lines) codes, expected \(quantity)")
        }
    }

    /// Submits a document whose code list is the text file at `path`, streamed; returns its id.
    func submitDocument(type: String, number: String, extra: String = "", file path: String, by participant: Participant) async throws -> Int {
        let result = try await connection.execute(
            HTTPRequest(
                "POST", "/api/v1/documents?type=\(type)&number=\(number)\(extra)",
                headers: [("Authorization", "Bearer \(participant.token)"), ("Content-Type", "text/plain")], body: .file(path: path)))
        guard result.status == 202 || result.status == 200,
              let answer = (try? JSONSerialization.jsonObject(with: Data(result.body))) as? [String: Any], let id = answer["id"] as? Int
        else {
            throw HTTPBenchError(.setup, "POST /documents \(type) answered \(result.status): \(String(decoding: result.body.prefix(500), as: UTF8.self))")
        }
        return id
    }

    /// Polls a document every `interval` until it leaves `IN_PROGRESS`; returns its last answer.
    func waitForDocument(_ id: Int, by participant: Participant, interval: Duration = .milliseconds(20)) async throws -> [String: Any] {
        while true {
            let answer = try await json("GET", "/api/v1/documents/\(id)", token: participant.token, expect: [200])
            if answer["state"] as? String != "IN_PROGRESS" { return answer }
            try await Task.sleep(for: interval)
        }
    }

    /// Submits a document and waits for it; fails unless it ends `CHECKED_OK` with `codes` applied.
    func applyDocument(type: String, number: String, extra: String = "", file: String, codes: Int, by participant: Participant) async throws {
        let id = try await submitDocument(type: type, number: number, extra: extra, file: file, by: participant)
        let answer = try await waitForDocument(id, by: participant)
        guard answer["state"] as? String == "CHECKED_OK", answer["applied"] as? Int == codes else {
            throw HTTPBenchError(.verification, "\(type) document \(id) ended \(answer["state"] ?? "?"): \(answer["refusals"] ?? [:])")
        }
    }

    /// A valid BIN for `seed`: twelve digits, the last a check digit.
    static func bin(seed: Int) -> String {
        var body = 40_000_000_000 + (seed % 9_000_000_000)
        while true {
            let prefix = String(body)
            for digit in 0...9 {
                let candidate = prefix + String(digit)
                if (try? MarkingCore.Participant.validateBIN(candidate)) != nil { return candidate }
            }
            body += 1
        }
    }

    /// A valid GTIN-14 for `seed`, new on every run.
    static func gtin(seed: Int) -> String {
        let body = UInt64(4_600_000_000_000 + seed % 99_999_999_999)
        let digits = String(body) + String(GTIN.checkDigit(of: body))
        return String(repeating: "0", count: 14 - digits.count) + digits
    }
}
