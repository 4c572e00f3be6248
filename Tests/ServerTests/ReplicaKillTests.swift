import Foundation
import MarkingCore
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// Two `marking-server serve --cluster` processes on a three-node NATS cluster: a
/// replica killed with SIGKILL in the middle of a large transfer leaves it all or
/// nothing on every replica.
@Suite("Replica processes", .serialized)
struct ReplicaKillTests {
    static let adminToken = "replica-kill-test-admin-token-0123456789"

    /// A replica process and its base URL.
    final class ReplicaProcess {
        let process: Process
        let base: String
        let folder: String

        init(node: String, folder: String, keys: String, cluster: TestCluster) throws {
            self.folder = folder
            process = Process()
            process.executableURL = MarkingServerProcess.executable
            process.arguments = [
                "serve", "--cluster", cluster.urls.joined(separator: ","), "--node", node, "--data", folder, "--keys", keys,
                "--port", "0",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["MARKING_ADMIN_TOKEN"] = ReplicaKillTests.adminToken
            process.environment = environment
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            var log = ""
            let deadline = Date().addingTimeInterval(90)
            var found: String?
            while found == nil, Date() < deadline, process.isRunning {
                let data = errors.fileHandleForReading.availableData
                if data.isEmpty { break }
                log += String(decoding: data, as: UTF8.self)
                if let range = log.range(of: #"serving (http://[0-9.]+:[0-9]+)"#, options: .regularExpression) {
                    found = String(log[range].dropFirst("serving ".count))
                }
            }
            guard let found else { throw ReplicaFailure("replica \(node) did not start: \(log)") }
            base = found
        }

        func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        /// Sends a request and returns the status and body.
        func call(_ method: String, _ path: String, token: String, body: Data? = nil, contentType: String = "application/json")
            async throws -> (Int, Data)
        {
            var request = URLRequest(url: URL(string: base + "/api/v1" + path)!)
            request.httpMethod = method
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = body
            request.timeoutInterval = 300
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }
    }

    struct ReplicaFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

    @Test func aReplicaKilledDuringALargeTransferLeavesItAllOrNothingEverywhere() async throws {
        let cluster = try TestCluster()
        defer { cluster.stop() }
        try cluster.waitUntilReady()
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keys = root + "/keys.json"
        let first = try ReplicaProcess(node: "r1", folder: root + "/r1", keys: keys, cluster: cluster)
        let second = try ReplicaProcess(node: "r2", folder: root + "/r2", keys: keys, cluster: cluster)
        defer { first.stop(); second.stop() }

        func register(_ name: String, _ bin: String, _ role: String) async throws -> (UInt32, String) {
            let body = try JSONSerialization.data(withJSONObject: ["name": name, "bin": bin, "roles": [role]])
            let (status, data) = try await first.call("POST", "/participants", token: Self.adminToken, body: body)
            #expect(status == 201, "\(String(decoding: data, as: UTF8.self))")
            let object = json(data)
            let token = (object["token"] as? [String: Any])?["token"] as? String ?? ""
            return (UInt32(object["id"] as? Int ?? 0), token)
        }
        let (producer, producerToken) = try await register("Producer LLP", validBIN(1), "producer")
        let (receiver, _) = try await register("Wholesale LLP", validBIN(2), "wholesaler")
        #expect(producer != 0 && receiver != 0)

        let card = try JSONSerialization.data(withJSONObject: ["tradeName": "Mineral water 0.5 l"])
        let (carded, _) = try await first.call("PUT", "/products/04607000000014", token: producerToken, body: card)
        #expect(carded == 201 || carded == 200)
        let count = 100_000
        let order = try JSONSerialization.data(withJSONObject: ["gtin": "04607000000014", "quantity": count])
        let (placed, orderData) = try await first.call("POST", "/orders", token: producerToken, body: order)
        #expect(placed == 201 || placed == 202, "\(String(decoding: orderData, as: UTF8.self))")
        let orderID = json(orderData)["id"] as? Int ?? 0
        let (_, codes) = try await first.call("GET", "/orders/\(orderID)/codes", token: producerToken)
        let lines = String(decoding: codes, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == count)

        func document(_ type: String, _ number: String, on replica: ReplicaProcess, extra: String = "") async throws -> Int {
            let (status, data) = try await replica.call(
                "POST", "/documents?type=\(type)&number=\(number)\(extra)", token: producerToken, body: codes, contentType: "text/plain")
            #expect(status == 202 || status == 200, "\(String(decoding: data, as: UTF8.self))")
            return json(data)["id"] as? Int ?? 0
        }
        func state(_ id: Int, on replica: ReplicaProcess) async throws -> String {
            let (_, data) = try await replica.call("GET", "/documents/\(id)", token: producerToken)
            return json(data)["state"] as? String ?? ""
        }
        for type in ["UTILISATION", "INTRODUCTION"] {
            let id = try await document(type, type, on: first)
            let deadline = Date().addingTimeInterval(240)
            while try await state(id, on: first) == "IN_PROGRESS", Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
            #expect(try await state(id, on: first) == "CHECKED_OK")
        }

        // The transfer is accepted (202), then its replica dies while checking or appending it.
        let transfer = try await document("TRANSFER", "BIG-TRANSFER", on: first, extra: "&receiver=\(receiver)")
        try await Task.sleep(for: .milliseconds(400))
        first.kill()

        // Whatever reached the log is on the other replica; nothing half.
        let restarted = try ReplicaProcess(node: "r1", folder: first.folder, keys: keys, cluster: cluster)
        defer { restarted.stop() }
        let deadline = Date().addingTimeInterval(120)
        var decided = try await state(transfer, on: second)
        while decided == "IN_PROGRESS" || decided.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            decided = try await state(transfer, on: second)
        }
        #expect(["CHECKED_OK", "CHECKED_NOT_OK"].contains(decided), "the restarted replica decided its document: \(decided)")
        let (_, health) = try await restarted.call("GET", "/health", token: Self.adminToken)
        let sequence = UInt64(json(health)["logSequence"] as? Int ?? 0)
        restarted.stop()
        second.stop()
        _ = sequence

        var owners: [Set<UInt32>] = []
        for folder in [first.folder, second.folder] {
            let store = try MarkingStore(dataFolder: folder, keyFile: keys, create: false)
            defer { store.close() }
            owners.append(Set(try lines.map { try #require(try store.record(for: try store.parser.parse($0).cis)).owner }))
        }
        let expected: Set<UInt32> = decided == "CHECKED_OK" ? [receiver] : [producer]
        #expect(owners[0] == expected, "all or nothing on r1 (\(decided))")
        #expect(owners[1] == expected, "all or nothing on r2 (\(decided))")
    }
}
