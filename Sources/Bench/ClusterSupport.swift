import Foundation
import LoadClient
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One line of the `marking-bench cluster` table.
struct ClusterRow {
    var figure: String
    var embedded: String
    var cluster: String
    /// Cluster over embedded; `nil` where there is no embedded figure.
    var ratio: Double?
    var goal: String
    var holds: Bool?

    var json: [String: Any] {
        var json: [String: Any] = ["figure": figure, "embedded": embedded, "cluster": cluster, "goal": goal]
        json["ratio"] = ratio.flatMap { $0.isFinite ? $0 : nil } ?? NSNull()
        json["holds"] = holds ?? NSNull()
        return json
    }
}

extension ClusterRun {
    /// Prints the table and the details under it; writes the JSON summary to `path`.
    mutating func print(to path: String?) throws {
        json["anomalies"] = cluster.anomalies
        for anomaly in cluster.anomalies where !details.contains("anomaly: " + anomaly) { details.append("anomaly: " + anomaly) }
        json["rows"] = rows.map(\.json)
        json["details"] = details
        let header = ["figure", "embedded", "cluster", "ratio", "goal", "holds"]
        let cells = rows.map { row in
            [
                row.figure, row.embedded, row.cluster, row.ratio.map { $0.isFinite ? String(format: "%.2f", $0) : "—" } ?? "—", row.goal,
                row.holds.map { $0 ? "yes" : "NO" } ?? "",
            ]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        func line(_ values: [String]) -> String {
            "| " + values.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        Swift.print("\nmarking-bench cluster: one embedded server and the three-node cluster (3 nats-server + 3 replicas), same run, \(ReportMarkdown.machine())")
        Swift.print("cluster \(cluster.dir), replicas \(cluster.replicaURLs.joined(separator: ",")); embedded \(embedded.base)\n")
        Swift.print(line(header))
        Swift.print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
        for row in cells { Swift.print(line(row)) }
        if !details.isEmpty {
            Swift.print("")
            for detail in details { Swift.print("- " + detail) }
        }
        if let path {
            let data = try JSONSerialization.data(withJSONObject: Self.jsonSafe(json), options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
            Swift.print("\nJSON: \(path)")
        }
    }

    /// `value` with every non-finite number (a write that never succeeded) as `null`.
    static func jsonSafe(_ value: Any) -> Any {
        switch value {
        case let double as Double: return double.isFinite ? double : NSNull()
        case let dictionary as [String: Any]: return dictionary.mapValues(jsonSafe)
        case let array as [Any]: return array.map(jsonSafe)
        default: return value
        }
    }
}

/// CPU time over one phase: the engine's (the embedded server, or every process of
/// the cluster), the load generator's, and the rest of the machine's.
struct PhaseCPU {
    struct Cores {
        var engine: Double?
        var client: Double?
        var others: Double?
        var label: String

        init(engine: Double?, client: Double?, others: Double?, label: String) {
            self.engine = engine
            self.client = client
            self.others = others
            self.label = label
        }

        init(json: [String: Double]) {
            func value(_ key: String) -> Double? { json[key].flatMap { $0 < 0 ? nil : $0 } }
            self.init(engine: value("server"), client: value("client"), others: value("others"), label: "engine")
        }

        var text: String {
            [
                engine.map { String(format: "\(label) %.2f", $0) }, client.map { String(format: "load generator %.2f", $0) },
                others.map { String(format: "others %.2f", $0) },
            ].compactMap { $0 }.joined(separator: ", ")
        }

        /// The keys of ``CPUShare/Cores/json``: `server` is the engine.
        var json: [String: Double] { ["server": engine ?? -1, "client": client ?? -1, "others": others ?? -1] }
    }

    private let measured: () -> Double?
    private let label: String
    private let started = ContinuousClock.now
    private let engineStart: Double?
    private let clientStart = ServerUnderTest.ownCPUSeconds()
    private let machineStart = ServerUnderTest.machineBusySeconds()

    init(server: ServerUnderTest) {
        measured = { server.cpuSeconds() }
        label = "server"
        engineStart = server.cpuSeconds()
    }

    init(cluster: ClusterUnderTest) {
        measured = { cluster.cpuSeconds() }
        label = "cluster (3 nats-server + 3 replicas)"
        engineStart = cluster.cpuSeconds()
    }

    func cores() -> Cores {
        let wall = max((ContinuousClock.now - started).seconds, 0.001)
        let engine = engineStart.flatMap { start in measured().map { ($0 - start) / wall } }
        let client = clientStart.flatMap { start in ServerUnderTest.ownCPUSeconds().map { ($0 - start) / wall } }
        let machine = machineStart.flatMap { start in ServerUnderTest.machineBusySeconds().map { ($0 - start) / wall } }
        let others = machine.map { max(0, $0 - (engine ?? 0) - (client ?? 0)) }
        return Cores(engine: engine, client: client, others: others, label: label)
    }
}

/// Percentiles of a list of latencies in milliseconds.
struct Latencies {
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double
    var mean: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ share: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((share * Double(sorted.count)).rounded(.up)) - 1))]
        }
        p50 = at(0.5)
        p90 = at(0.9)
        p99 = at(0.99)
        max = sorted.last ?? 0
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
    }

    var json: [String: Double] { ["p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max, "mean_ms": mean] }
}

/// Writes sent to replicas after a fault until each succeeds: participant
/// registrations (one small changeset each), one after the other on one keep-alive
/// connection per replica, reconnecting after a failure, 20 ms apart.
enum WriteProbe {
    struct Result: Sendable {
        var replica: String
        /// Seconds from the fault to the first `201`.
        var first: Double?
        var attempts: Int
        /// Failed attempts by kind (`status 503 registry.log_unavailable`, `connect`, `timeout`, …).
        var failures: [String: Int]
        /// The first attempts: when each was sent and answered (seconds after the fault), and how it ended.
        var log: [Attempt] = []

        struct Attempt: Sendable {
            var sent: Double
            var answered: Double
            var outcome: String
            /// A failure's problem detail (or error), shortened.
            var detail: String?

            var json: [String: Any] {
                var json: [String: Any] = ["sent_seconds": sent, "answered_seconds": answered, "outcome": outcome]
                if let detail { json["detail"] = detail }
                return json
            }
        }

        var failureText: String { failures.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ") }

        var json: [String: Any] {
            [
                "replica": replica, "first_write_seconds": first ?? Double.infinity, "attempts": attempts, "failures": failures,
                "attempt_log": log.map(\.json),
            ]
        }
    }

    /// Probes the replicas `indexes` of `cluster` at once, from now; `since` is the fault.
    static func run(on indexes: [Int], cluster: ClusterUnderTest, group: any EventLoopGroup, since: ContinuousClock.Instant, limit: Double = 90) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { tasks in
            for (slot, index) in indexes.enumerated() {
                tasks.addTask {
                    (slot, await probe(port: cluster.replicaPort(index), name: ClusterUnderTest.replicas[index], token: cluster.adminToken, group: group, since: since, limit: limit))
                }
            }
            var results = [Result?](repeating: nil, count: indexes.count)
            for await (slot, result) in tasks { results[slot] = result }
            return results.map { $0! }
        }
    }

    private static func probe(port: Int, name: String, token: String, group: any EventLoopGroup, since: ContinuousClock.Instant, limit: Double) async -> Result {
        var result = Result(replica: name, first: nil, attempts: 0, failures: [:])
        var connection: HTTPConnection?
        let base = Int.random(in: 0..<4_000_000_000)
        while (ContinuousClock.now - since).seconds < limit {
            result.attempts += 1
            let seed = base + result.attempts
            let sent = (ContinuousClock.now - since).seconds
            var outcome: String
            var detail: String?
            do {
                if connection == nil { connection = try await HTTPConnection.connect(host: "127.0.0.1", port: port, group: group) }
                let body = try JSONSerialization.data(withJSONObject: ["name": "Failover probe \(seed)", "bin": APISession.bin(seed: seed), "roles": ["producer"]])
                let answer = try await connection!.execute(
                    HTTPRequest(
                        "POST", "/api/v1/participants", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                        body: .bytes(Array(body))),
                    timeout: .seconds(15))
                if answer.status == 201 {
                    result.first = (ContinuousClock.now - since).seconds
                    outcome = "201"
                } else {
                    let problem = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any]
                    outcome = "status \(answer.status)" + ((problem?["code"] as? String).map { " \($0)" } ?? "")
                    detail = (problem?["detail"] as? String).map { String($0.prefix(300)) }
                }
            } catch let error as LoadClientError {
                outcome = error.code.rawValue
                detail = String(error.message.prefix(300))
                await connection?.close()
                connection = nil
            } catch {
                outcome = "\(error)"
            }
            if result.log.count < 20 {
                result.log.append(Result.Attempt(sent: sent, answered: (ContinuousClock.now - since).seconds, outcome: outcome, detail: detail))
            }
            if result.first != nil { break }
            result.failures[outcome, default: 0] += 1
            try? await Task.sleep(for: .milliseconds(20))
        }
        await connection?.close()
        return result
    }
}

/// Runs a helper program (`scripts/cluster.sh`, `marking-server cluster verify`) and
/// waits for it with `waitpid`.
///
/// Not Foundation's `Process`: on Linux it learns that a child ended from a socket the
/// child inherits reaching end of file, and `cluster.sh` leaves daemons (nats-server,
/// replicas) running that would inherit that socket too, so the script would never
/// count as ended. Here the child gets standard input from /dev/null, its output in a
/// file, and no other descriptor of this process (so neither do the daemons it starts).
enum ChildProcess {
    /// Runs `executable` with `arguments` and `environment`, both output streams to the
    /// file `output`; returns its exit status (128 + the signal when killed).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], output: String) async throws(HTTPBenchError) -> Int32 {
        let pid = try spawn(executable, arguments, environment: environment, output: output)
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { throw HTTPBenchError(.server, "waiting for \(executable): \(String(cString: strerror(errno)))") }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus(status)
    }

    /// ``run(_:_:environment:output:)`` blocking the calling thread (for a signal handler).
    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String], output: String) -> Int32? {
        guard let pid = try? spawn(executable, arguments, environment: environment, output: output) else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return nil }
        }
        return exitStatus(status)
    }

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], output: String) throws(HTTPBenchError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc ≥ 2.34 has it; Swift's Glibc module does not import it.
        guard let closeFrom = closeFromAction else { throw HTTPBenchError(.server, "posix_spawn_file_actions_addclosefrom_np is missing (glibc < 2.34)") }
        _ = closeFrom(&actions, 3)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw HTTPBenchError(.server, "cannot start \(executable): \(String(cString: strerror(spawned)))") }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np`, looked up in the C library.
    private static let closeFromAction: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
