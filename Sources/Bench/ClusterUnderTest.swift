import ConsoleProgress
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The three-node cluster a `marking-bench cluster` run measures: three nats-server
/// nodes n1..n3 and three `marking-server` replicas r1..r3 on loopback, started,
/// restarted and stopped with `scripts/cluster.sh` (the script operators use), so the
/// bench measures the cluster as it is run, not a set-up of its own.
///
/// Ports follow the script: node i (0-based) takes clients on base+i, monitoring on
/// base+4000+i; replica i answers HTTP on base+4100+i.
final class ClusterUnderTest: Sendable {
    static let nodes = ["n1", "n2", "n3"]
    static let replicas = ["r1", "r2", "r3"]
    /// The registry's JetStream stream.
    static let stream = "REGISTRY"

    let script: String
    let dir: String
    let basePort: Int
    let adminToken: String
    /// The cluster was already running when the bench started (it is left running).
    let wasRunning: Bool
    /// `dir` is this run's own temporary folder (removed by ``down(wipe:)``).
    let temporaryDir: Bool
    private let environment: [String: String]
    private let quiet: Bool

    private init(
        script: String, dir: String, basePort: Int, adminToken: String, wasRunning: Bool, temporaryDir: Bool, environment: [String: String],
        quiet: Bool
    ) {
        self.script = script
        self.dir = dir
        self.basePort = basePort
        self.adminToken = adminToken
        self.wasRunning = wasRunning
        self.temporaryDir = temporaryDir
        self.environment = environment
        self.quiet = quiet
    }

    /// Runs `scripts/cluster.sh up` on `dir` (a new temporary folder when `nil`) with
    /// `basePort`, the replicas being `server`; connects to the cluster if it already
    /// runs there (the script then only reports it, on the ports it was started with).
    static func up(script: String, dir given: String?, basePort: Int, server: String, quiet: Bool) async throws(HTTPBenchError) -> ClusterUnderTest {
        let dir = given ?? FileManager.default.temporaryDirectory.path + "/marking-cluster-bench-\(UUID().uuidString.prefix(8))"
        var environment = ProcessInfo.processInfo.environment
        environment["MARKING_SERVER"] = server
        let wasRunning = nodes.indices.allSatisfy { alive(pidFile: dir + "/\(nodes[$0])/nats.pid") }
            && replicas.indices.allSatisfy { alive(pidFile: dir + "/\(replicas[$0])/serve.pid") }
        let probe = ClusterUnderTest(
            script: script, dir: dir, basePort: basePort, adminToken: "", wasRunning: wasRunning, temporaryDir: given == nil, environment: environment,
            quiet: quiet)
        let output = try await probe.run(["up", "--dir", dir, "--base-port", String(basePort)], what: "start the cluster")
        if !quiet { writeToStandardError(output) }
        // The ports are those the cluster was first started with (the script keeps them in cluster.env).
        var port = basePort
        if let text = try? String(contentsOfFile: dir + "/cluster.env", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("base_port=") }), let value = Int(line.dropFirst("base_port=".count))
        {
            port = value
        }
        let token = environment["MARKING_ADMIN_TOKEN"]
            ?? (try? String(contentsOfFile: dir + "/admin-token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let token, !token.isEmpty else { throw HTTPBenchError(.server, "no admin token in \(dir)/admin-token") }
        return ClusterUnderTest(
            script: script, dir: dir, basePort: port, adminToken: token, wasRunning: wasRunning, temporaryDir: given == nil, environment: environment,
            quiet: quiet)
    }

    /// Starts whatever of the cluster is down (`cluster.sh up`: a killed node or replica
    /// comes back on its own data folder) and waits until the script reports it up.
    func restart() async throws(HTTPBenchError) {
        _ = try await run(["up", "--dir", dir], what: "restart the cluster")
    }

    /// `cluster.sh down` (with `--wipe` for this run's temporary folder).
    func down() async {
        let wipe = temporaryDir
        let output = (try? await run(["down", "--dir", dir] + (wipe ? ["--wipe"] : []), what: "stop the cluster")) ?? "cluster.sh down failed\n"
        if !quiet { writeToStandardError(output) }
    }

    /// `cluster.sh down`, blocking: for a signal handler.
    func downBlocking() {
        let log = FileManager.default.temporaryDirectory.path + "/marking-cluster-sh-\(UUID().uuidString.prefix(8)).log"
        _ = ChildProcess.runBlocking("/bin/bash", [script, "down", "--dir", dir] + (temporaryDir ? ["--wipe"] : []), environment: environment, output: log)
        try? FileManager.default.removeItem(atPath: log)
    }

    /// Runs the script, its output (both streams) collected in a file; fails with the output's tail.
    private func run(_ arguments: [String], what: String) async throws(HTTPBenchError) -> String {
        let log = FileManager.default.temporaryDirectory.path + "/marking-cluster-sh-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try await ChildProcess.run("/bin/bash", [script] + arguments, environment: environment, output: log)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let tail = output.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw HTTPBenchError(.server, "cannot \(what) (\(script) \(arguments.joined(separator: " ")) exited \(status)): \(tail)")
        }
        return output
    }

    // MARK: Addresses

    func replicaPort(_ index: Int) -> Int { basePort + 4100 + index }
    func monitorPort(_ index: Int) -> Int { basePort + 4000 + index }
    func replicaURL(_ index: Int) -> String { "http://127.0.0.1:\(replicaPort(index))" }
    var replicaURLs: [String] { Self.replicas.indices.map(replicaURL) }
    var natsURLs: [String] { Self.nodes.indices.map { "nats://127.0.0.1:\(basePort + $0)" } }

    // MARK: Processes

    func nodePID(_ name: String) -> Int32? { Self.pid(file: dir + "/\(name)/nats.pid") }
    func replicaPID(_ name: String) -> Int32? { Self.pid(file: dir + "/\(name)/serve.pid") }

    static func pid(file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Running, and not a zombie its parent has not reaped.
    static func alive(pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    static func alive(pidFile: String) -> Bool { pid(file: pidFile).map(alive(pid:)) ?? false }

    /// Sends `signal` to node `name`'s nats-server; returns its pid.
    func signalNode(_ name: String, _ signal: Int32) throws(HTTPBenchError) -> Int32 {
        guard let pid = nodePID(name), Self.alive(pid: pid) else { throw HTTPBenchError(.server, "nats-server \(name) is not running") }
        guard kill(pid, signal) == 0 else { throw HTTPBenchError(.server, "cannot signal nats-server \(name) (pid \(pid))") }
        return pid
    }

    /// Sends `signal` to replica `name`; returns its pid.
    func signalReplica(_ name: String, _ signal: Int32) throws(HTTPBenchError) -> Int32 {
        guard let pid = replicaPID(name), Self.alive(pid: pid) else { throw HTTPBenchError(.server, "replica \(name) is not running") }
        guard kill(pid, signal) == 0 else { throw HTTPBenchError(.server, "cannot signal replica \(name) (pid \(pid))") }
        return pid
    }

    /// Waits until `pid` has exited (or `seconds` passed); true when it did.
    static func waitForExit(_ pid: Int32, seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if !alive(pid: pid) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return !alive(pid: pid)
    }

    /// The pids of every cluster process running now (nodes and replicas).
    var pids: [Int32] {
        (Self.nodes.compactMap(nodePID) + Self.replicas.compactMap(replicaPID)).filter(Self.alive(pid:))
    }

    /// CPU seconds the cluster's processes running now have used (user + system).
    func cpuSeconds() -> Double {
        pids.compactMap { ServerUnderTest.cpuSeconds(pid: $0) }.reduce(0, +)
    }

    // MARK: State

    /// One replica's `GET /api/v1/health`.
    struct Health: Sendable {
        var node: String?
        var appliedSequence: UInt64
        var logSequence: UInt64?
        var lag: UInt64?
        var logReachable: Bool?
    }

    func health(_ index: Int, timeout: Double = 3) async -> Health? {
        guard let answer = try? await PlainHTTP.get(replicaURL(index) + "/api/v1/health", timeout: timeout), answer.status == 200,
              let applied = (answer.json["appliedSequence"] as? NSNumber)?.uint64Value
        else { return nil }
        return Health(
            node: answer.json["node"] as? String, appliedSequence: applied, logSequence: (answer.json["logSequence"] as? NSNumber)?.uint64Value,
            lag: (answer.json["lag"] as? NSNumber)?.uint64Value, logReachable: answer.json["logReachable"] as? Bool)
    }

    /// What the JetStream monitoring endpoints say about the registry stream.
    struct StreamState: Sendable {
        /// The node that leads the stream's Raft group, as the asked node knows it.
        var leader: String
        /// Followers and whether each is current.
        var followers: [(name: String, current: Bool)]
        var lastSequence: UInt64
    }

    /// The registry stream as the first live node answering `GET /jsz?streams=true`
    /// reports it; with `from` set, only that node is asked.
    func streamState(from only: String? = nil) async -> StreamState? {
        for (index, name) in Self.nodes.enumerated() where only == nil || only == name {
            guard nodePID(name).map(Self.alive(pid:)) ?? false,
                  let answer = try? await PlainHTTP.get("http://127.0.0.1:\(monitorPort(index))/jsz?streams=true", timeout: 2), answer.status == 200
            else { continue }
            let accounts = answer.json["account_details"] as? [[String: Any]] ?? []
            for account in accounts {
                for stream in account["stream_detail"] as? [[String: Any]] ?? [] where stream["name"] as? String == Self.stream {
                    guard let cluster = stream["cluster"] as? [String: Any], let leader = cluster["leader"] as? String, !leader.isEmpty else { continue }
                    let followers = (cluster["replicas"] as? [[String: Any]] ?? []).compactMap { peer -> (String, Bool)? in
                        guard let name = peer["name"] as? String else { return nil }
                        return (name, peer["current"] as? Bool ?? false)
                    }
                    let last = ((stream["state"] as? [String: Any])?["last_seq"] as? NSNumber)?.uint64Value ?? 0
                    return StreamState(leader: leader, followers: followers.filter { $0.0 != leader }, lastSequence: last)
                }
            }
        }
        return nil
    }

    /// Waits until the cluster is whole again: every node runs, the stream's leader
    /// reports both followers current, and every replica answers its health with the
    /// log reachable and no lag. Returns the seconds it took.
    ///
    /// A replica that stays behind a reachable log for `nudgeAfter` seconds is an
    /// anomaly (replicas follow the log by themselves): it is noted, and the replica is
    /// then asked for a read at the log's last sequence (`X-Registry-Min-Sequence`), which
    /// makes it catch up while answering; whether that helped is noted too.
    @discardableResult
    func waitUntilWhole(_ what: String, limit: Double = 180, nudgeAfter: Double = 20) async throws(HTTPBenchError) -> Double {
        let started = ContinuousClock.now
        var last = ""
        var behindSince: [Int: ContinuousClock.Instant] = [:]
        var nudged: Set<Int> = []
        while (ContinuousClock.now - started).seconds < limit {
            if let seen = await streamState() {
                let state = await streamState(from: seen.leader) ?? seen
                var healths: [Int: Health] = [:]
                for index in Self.replicas.indices { healths[index] = await health(index) }
                for index in Self.replicas.indices {
                    guard let health = healths[index], health.logReachable != false, let lag = health.lag, lag > 0 else {
                        behindSince[index] = nil
                        continue
                    }
                    let since = behindSince[index] ?? ContinuousClock.now
                    behindSince[index] = since
                    if (ContinuousClock.now - since).seconds >= nudgeAfter, !nudged.contains(index), let target = health.logSequence {
                        nudged.insert(index)
                        let answer = try? await PlainHTTP.get(
                            replicaURL(index) + "/api/v1/health", headers: ["X-Registry-Min-Sequence": String(target)], timeout: 10)
                        let after = await self.health(index)
                        let errors = recentErrors(Self.replicas[index])
                        note(
                            "\(what): \(Self.replicas[index]) stayed at applied \(health.appliedSequence) behind log \(target) (lag \(lag), log reachable) for "
                                + String(format: "%.0f s", nudgeAfter) + "; a read with X-Registry-Min-Sequence \(target) answered "
                                + "\(answer.map { String($0.status) } ?? "nothing"), after it applied \(after.map { String($0.appliedSequence) } ?? "?")"
                                + (errors.isEmpty ? "" : "; its log's last errors: " + errors.joined(separator: " | ")))
                    }
                }
                let replicasCurrent = healths.count == Self.replicas.count
                    && healths.values.allSatisfy { $0.logReachable != false && ($0.lag ?? 0) == 0 }
                if state.followers.count == Self.nodes.count - 1, state.followers.allSatisfy(\.current), replicasCurrent {
                    return (ContinuousClock.now - started).seconds
                }
                last = "stream leader \(state.leader), followers " + state.followers.map { "\($0.name)\($0.current ? "" : " (not current)")" }.joined(separator: ", ")
                    + "; replicas: " + Self.replicas.indices.map { index in
                        healths[index].map { "\($0.node ?? "?") applied \($0.appliedSequence) lag \($0.lag ?? 0)" } ?? "\(Self.replicas[index]) not answering"
                    }.joined(separator: ", ")
            } else {
                last = "no node reports a leader of the stream"
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPBenchError(.server, "\(what): the cluster is not whole after \(Int(limit)) s (\(last))")
    }

    /// The last error lines of replica `name`'s log (`DIR/rI/serve.log`), shortened.
    func recentErrors(_ name: String, count: Int = 3) -> [String] {
        guard let text = try? String(contentsOfFile: dir + "/\(name)/serve.log", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { $0.contains(" error ") }.suffix(count).map { line in
            // The problem's detail is what says why; the rest of the line is the request's context.
            let detail = line.range(of: "detail: Optional(").map { String(line[$0.upperBound...].prefix(260)) } ?? String(line.suffix(260))
            return detail
        }
    }

    /// Anomalies seen while waiting (a replica that did not follow the log by itself).
    private let notes = Mutex<[String]>([])

    func note(_ text: String) {
        notes.withLock { $0.append(text) }
        if !quiet { writeToStandardError("anomaly: \(text)\n") }
    }

    var anomalies: [String] { notes.withLock { $0 } }

    /// Waits until every replica's applied sequence reaches `sequence`; returns the
    /// seconds (from `since`) at which each did, polling every 10 ms.
    func waitUntilApplied(_ sequence: UInt64, since: ContinuousClock.Instant, limit: Double = 600) async throws(HTTPBenchError) -> [Double] {
        let replicas = Self.replicas.indices
        let times = await withTaskGroup(of: (Int, Double?).self) { tasks in
            for index in replicas {
                tasks.addTask {
                    while (ContinuousClock.now - since).seconds < limit {
                        if let health = await self.health(index), health.appliedSequence >= sequence {
                            return (index, (ContinuousClock.now - since).seconds)
                        }
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                    return (index, nil)
                }
            }
            var times = [Double?](repeating: nil, count: replicas.count)
            for await (index, time) in tasks { times[index] = time }
            return times
        }
        guard times.allSatisfy({ $0 != nil }) else {
            let behind = replicas.filter { times[$0] == nil }.map { Self.replicas[$0] }
            throw HTTPBenchError(.verification, "\(behind.joined(separator: ", ")) did not apply sequence \(sequence) within \(Int(limit)) s")
        }
        return times.map { $0! }
    }

    /// Waits until the cluster's processes together use less than `cores` for two
    /// seconds in a row (at most `limit` s): the background work of the replicas'
    /// stores and the log after a set-up done. Returns the seconds waited.
    func settle(cores: Double = 0.15, limit: Double = 180) async -> Double {
        let started = ContinuousClock.now
        var last = cpuSeconds()
        var quietSeconds = 0
        while quietSeconds < 2, (ContinuousClock.now - started).seconds < limit {
            try? await Task.sleep(for: .seconds(1))
            let now = cpuSeconds()
            quietSeconds = now - last < cores ? quietSeconds + 1 : 0
            last = now
        }
        return (ContinuousClock.now - started).seconds
    }
}

/// A few plain HTTP calls where the answer's headers matter (`X-Registry-Sequence`)
/// or the peer is not the engine (the NATS monitoring endpoint): Foundation's
/// URLSession, one call at a time. Load itself goes through LoadClient.
enum PlainHTTP {
    struct Answer: @unchecked Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

        /// A header, whatever its case.
        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 4
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: String, token: String? = nil, headers extra: [String: String] = [:], timeout: Double = 10) async throws -> Answer {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = timeout
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in extra { request.setValue(value, forHTTPHeaderField: name) }
        let (body, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw HTTPBenchError(.verification, "\(url): not an HTTP answer") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
        return Answer(status: http.statusCode, headers: headers, body: body)
    }
}

extension ServerUnderTest {
    /// CPU seconds (user + system) process `pid` has used so far.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
