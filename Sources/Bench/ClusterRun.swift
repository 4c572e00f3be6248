import ConsoleProgress
import Foundation
import Histogram
import LoadClient
import NIOCore
import NIOPosix

/// One `marking-bench cluster` run: each figure measured on the embedded server and
/// then on the cluster, by the same code and the same load generator, then the
/// cluster's faults. Collects the table's rows and the JSON summary.
struct ClusterRun {
    let command: ClusterBenchmark
    let embedded: ServerUnderTest
    let cluster: ClusterUnderTest
    let binary: String
    let group: MultiThreadedEventLoopGroup
    /// The replicas as servers to load (r1 first: the replica writes are sent to).
    let replicas: [ServerUnderTest]
    var rows: [ClusterRow] = []
    var json: [String: Any] = [:]
    private let started = Date()

    init(command: ClusterBenchmark, embedded: ServerUnderTest, cluster: ClusterUnderTest, binary: String, group: MultiThreadedEventLoopGroup) throws {
        self.command = command
        self.embedded = embedded
        self.cluster = cluster
        self.binary = binary
        self.group = group
        replicas = try cluster.replicaURLs.map { try ServerUnderTest.running(url: $0, adminToken: cluster.adminToken) }
    }

    var writer: ServerUnderTest { replicas[0] }
    var quiet: Bool { command.quiet }

    private func note(_ text: String) {
        if !quiet { writeToStandardError("== \(text)\n") }
    }

    mutating func measure() async throws {
        defer { for replica in replicas { replica.stop() } }
        json["mode"] = "cluster"
        json["started"] = ISO8601DateFormatter().string(from: started)
        json["arguments"] = Array(CommandLine.arguments.dropFirst())
        json["machine"] = ["cores": ProcessInfo.processInfo.activeProcessorCount, "description": ReportMarkdown.machine()]
        json["embedded"] = ["server": embedded.base, "pid": embedded.pid.map(Int.init) ?? -1]
        json["cluster"] = [
            "dir": cluster.dir, "base_port": cluster.basePort, "replicas": cluster.replicaURLs, "nats": cluster.natsURLs,
            "connected_to_running": cluster.wasRunning, "server_binary": binary,
        ]
        try await APISession.waitUntilHealthy(embedded, group: group)
        for replica in replicas { try await APISession.waitUntilHealthy(replica, group: group) }
        try await cluster.waitUntilWhole("at the start")

        for part in command.parts {
            switch part {
            case .emission: try await emission()
            case .transfer: try await transfer()
            case .lookup: try await lookup()
            case .writes: try await smallWrites()
            case .failover: try await failover()
            }
        }
        json["seconds"] = Date().timeIntervalSince(started)
    }

    // MARK: Emission

    /// `marking-bench http`'s options for a scenario run through its own code.
    private func httpCommand(_ scenario: String, _ options: [String]) throws -> HTTPBenchmark {
        try HTTPBenchmark.parse([scenario] + options + ["--client-threads", String(command.clientThreads)] + (quiet ? ["--quiet"] : []))
    }

    private mutating func emission() async throws {
        let options = ["--codes", String(command.codes), "--order-codes", String(command.orderCodes), "--pipelines", String(command.pipelines)]
        await settleCluster()
        _ = await ClusterRun.settle(cpu: { embedded.cpuSeconds() }, cores: 0.1)
        note("emission: \(grouped(command.codes)) codes in orders of \(grouped(command.orderCodes)), embedded")
        let (embeddedFigures, embeddedCPU) = try await emission(on: embedded, options: options, cpu: PhaseCPU(server: embedded))
        await settleCluster()
        note("emission: cluster (orders on r1)")
        let (clusterFigures, clusterCPU) = try await emission(on: writer, options: options, cpu: PhaseCPU(cluster: cluster))
        // Applied everywhere: every replica at the writer's applied sequence after the last download.
        let after = ContinuousClock.now
        guard let sequence = await cluster.health(0)?.appliedSequence else { throw HTTPBenchError(.server, "r1 does not answer its health") }
        let lags = try await cluster.waitUntilApplied(sequence, since: after)
        let acknowledged = clusterFigures.double("seconds")
        let everywhere = acknowledged + (lags.max() ?? 0)
        let embeddedRate = embeddedFigures.double("codes_per_second"), clusterRate = clusterFigures.double("codes_per_second")
        let everywhereRate = Double(command.codes) / everywhere
        json["emission"] = [
            "embedded": embeddedFigures.merging(["cpu_cores_phase": embeddedCPU.json]) { $1 },
            "cluster": clusterFigures.merging([
                "cpu_cores_phase": clusterCPU.json, "applied_everywhere_seconds": everywhere, "applied_everywhere_codes_per_second": everywhereRate,
                "replicas_applied_after_seconds": lags, "sequence": sequence,
            ]) { $1 },
            "ratio": clusterRate / embeddedRate,
        ]
        rows.append(ClusterRow(
            figure: "emission, codes/s acknowledged (\(grouped(command.codes)) ordered + downloaded, writer replica)",
            embedded: grouped(Int(embeddedRate)), cluster: grouped(Int(clusterRate)), ratio: clusterRate / embeddedRate, goal: "≥ 0.5",
            holds: clusterRate / embeddedRate >= 0.5))
        rows.append(ClusterRow(
            figure: "emission, codes/s until applied on every replica", embedded: grouped(Int(embeddedRate)), cluster: grouped(Int(everywhereRate)),
            ratio: everywhereRate / embeddedRate, goal: "", holds: nil))
        details.append("emission CPU cores busy: embedded \(embeddedCPU.text); cluster \(clusterCPU.text)")
    }

    private func emission(on server: ServerUnderTest, options: [String], cpu: PhaseCPU) async throws -> ([String: Any], PhaseCPU.Cores) {
        let session = try await APISession.open(server, group: group)
        // Emission has no checks to keep apart from its downloads: one group for both.
        let context = LoadContext(
            command: try httpCommand("emission", options), server: server, group: group, bulkGroup: group, session: session,
            scratch: try server.scratchFolder())
        var report = BenchReport(mode: "http emission")
        try await EmissionScenario.run(context, into: &report)
        let cores = cpu.cores()
        await session.close()
        return (report.json, cores)
    }

    // MARK: Transfer

    private mutating func transfer() async throws {
        let codes = command.transferCodes
        note("transfer: \(grouped(codes)) codes, embedded")
        let embeddedFigures = try await transfer(writer: embedded, onCluster: false)
        note("transfer: cluster (sent to r1)")
        let clusterFigures = try await transfer(writer: writer, onCluster: true)
        let embeddedSeconds = embeddedFigures.double("acknowledged_seconds")
        let clusterSeconds = clusterFigures.double("acknowledged_seconds"), everywhere = clusterFigures.double("applied_everywhere_seconds")
        json["transfer"] = ["embedded": embeddedFigures, "cluster": clusterFigures, "ratio": clusterSeconds / embeddedSeconds]
        rows.append(ClusterRow(
            figure: "transfer of \(grouped(codes)) codes, s until CHECKED_OK (acknowledged)", embedded: String(format: "%.2f", embeddedSeconds),
            cluster: String(format: "%.2f", clusterSeconds), ratio: clusterSeconds / embeddedSeconds, goal: "≤ 2.0", holds: clusterSeconds / embeddedSeconds <= 2))
        rows.append(ClusterRow(
            figure: "transfer of \(grouped(codes)) codes, s until applied on every replica", embedded: String(format: "%.2f", embeddedSeconds),
            cluster: String(format: "%.2f", everywhere), ratio: everywhere / embeddedSeconds, goal: "", holds: nil))
        let embeddedCPU = (embeddedFigures["cpu_cores"] as? [String: Double]).map(PhaseCPU.Cores.init(json:))?.text ?? "?"
        let clusterCPU = (clusterFigures["cpu_cores"] as? [String: Double]).map(PhaseCPU.Cores.init(json:))?.text ?? "?"
        details.append("transfer CPU cores busy: embedded \(embeddedCPU); cluster \(clusterCPU)")
        if let replicaTimes = clusterFigures["replicas_applied_seconds"] as? [Double] {
            details.append(
                "transfer applied on " + zip(ClusterUnderTest.replicas, replicaTimes).map { "\($0) at \(String(format: "%.2f", $1)) s" }.joined(separator: ", ")
                    + String(format: " (upload read, 202, at %.2f s)", clusterFigures.double("accepted_seconds")))
        }
    }

    /// Orders, downloads, applies and introduces the codes (set-up), then sends one
    /// `TRANSFER` document of them streamed as text and polls it every 20 ms until it
    /// leaves `IN_PROGRESS`. On the cluster it then waits until every replica's applied
    /// sequence reaches the `X-Registry-Sequence` of the `CHECKED_OK` answer.
    private func transfer(writer: ServerUnderTest, onCluster: Bool) async throws -> [String: Any] {
        let codes = command.transferCodes
        let session = try await APISession.open(writer, group: group)
        let plan = LoadFixture.Plan(storeCodes: codes, orderCodes: codes, sampleSize: 0, slices: 1, sliceCodes: codes)
        let fixture = try await LoadFixture.build(plan, session: session, scratch: try writer.scratchFolder(), quiet: quiet)
        let settled: Double
        if onCluster {
            if let sequence = await cluster.health(0)?.appliedSequence { _ = try await cluster.waitUntilApplied(sequence, since: .now) }
            settled = await cluster.settle()
        } else {
            settled = await ClusterRun.settle(cpu: { embedded.cpuSeconds() }, cores: 0.1)
        }
        let cpu = onCluster ? PhaseCPU(cluster: cluster) : PhaseCPU(server: writer)
        let number = "bench-cluster-transfer-\(UUID().uuidString.prefix(8))"
        let progress = ProgressReporter(label: "transfer \(onCluster ? "cluster" : "embedded")", quiet: quiet, duration: .seconds(30), count: { 0 })
        let started = ContinuousClock.now
        let id = try await session.submitDocument(
            type: "TRANSFER", number: number, extra: "&receiver=\(fixture.receiver.id)", file: fixture.introduced[0], by: fixture.producer)
        let accepted = (ContinuousClock.now - started).seconds
        var answer: PlainHTTP.Answer
        while true {
            answer = try await PlainHTTP.get(writer.base + "/documents/\(id)", token: fixture.producer.token)
            guard answer.status == 200 else { throw HTTPBenchError(.verification, "GET /documents/\(id) answered \(answer.status)") }
            if answer.json["state"] as? String != "IN_PROGRESS" { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let acknowledged = (ContinuousClock.now - started).seconds
        let cores = cpu.cores()
        progress.finish()
        let document = answer.json
        guard document["state"] as? String == "CHECKED_OK", (document["applied"] as? NSNumber)?.intValue == codes else {
            throw HTTPBenchError(
                .verification, "transfer document \(id) ended \(document["state"] ?? "?") with \(document["applied"] ?? 0) of \(codes) applied")
        }
        var figures: [String: Any] = [
            "codes": codes, "accepted_seconds": accepted, "acknowledged_seconds": acknowledged, "settle_seconds": settled,
            "setup_seconds": fixture.setupSeconds, "cpu_cores": cores.json, "document": id,
        ]
        if let server = TransferScenario.serverSeconds(document) { figures["server_seconds"] = server }
        guard let sequence = answer.header("X-Registry-Sequence").flatMap(UInt64.init) else {
            throw HTTPBenchError(.verification, "the CHECKED_OK answer carries no X-Registry-Sequence")
        }
        figures["sequence"] = sequence
        if onCluster {
            let times = try await cluster.waitUntilApplied(sequence, since: started)
            figures["replicas_applied_seconds"] = times
            figures["applied_everywhere_seconds"] = max(times.max() ?? acknowledged, acknowledged)
        } else {
            figures["applied_everywhere_seconds"] = acknowledged
        }
        await session.close()
        return figures
    }

    // MARK: Checks

    private mutating func lookup() async throws {
        note("checks: \(grouped(command.lookupCodes)) codes in store, embedded")
        let embeddedFigures = try await lookup(writer: embedded, targets: [embedded], onCluster: false)
        note("checks: cluster (store written on r1, checks spread over r1..r3)")
        let clusterFigures = try await lookup(writer: writer, targets: replicas, onCluster: true)
        json["lookup"] = ["embedded": embeddedFigures, "cluster": clusterFigures]
        func figure(_ figures: [String: Any], _ run: String, _ path: [String]) -> Double {
            var value: Any? = figures[run]
            for key in path { value = (value as? [String: Any])?[key] }
            return (value as? NSNumber)?.doubleValue ?? 0
        }
        let closedE = figure(embeddedFigures, "closed_loop", ["requests_per_second"]), closedC = figure(clusterFigures, "closed_loop", ["requests_per_second"])
        let p99E = figure(embeddedFigures, "closed_loop", ["latency_ms", "p99"]), p99C = figure(clusterFigures, "closed_loop", ["latency_ms", "p99"])
        let rateE = figure(embeddedFigures, "fixed_rate", ["latency_ms", "p99"]), rateC = figure(clusterFigures, "fixed_rate", ["latency_ms", "p99"])
        let okE = figure(embeddedFigures, "fixed_rate", ["requests_per_second"]), okC = figure(clusterFigures, "fixed_rate", ["requests_per_second"])
        rows.append(ClusterRow(
            figure: "public checks, \(command.concurrency) connections (cluster: spread over r1..r3), checks/s", embedded: grouped(Int(closedE)),
            cluster: grouped(Int(closedC)), ratio: closedC / closedE, goal: "", holds: nil))
        rows.append(ClusterRow(
            figure: "  p99 ms at that concurrency", embedded: String(format: "%.2f", p99E), cluster: String(format: "%.2f", p99C), ratio: p99C / p99E,
            goal: "", holds: nil))
        rows.append(ClusterRow(
            figure: "public checks at \(grouped(Int(command.rate)))/s offered, p99 ms (verified/s)",
            embedded: String(format: "%.2f (%@)", rateE, grouped(Int(okE))), cluster: String(format: "%.2f (%@)", rateC, grouped(Int(okC))),
            ratio: rateC / rateE, goal: "", holds: nil))
        let changesetsE = embeddedFigures.double("changesets_per_second_closed_loop"), changesetsC = clusterFigures.double("changesets_per_second_closed_loop")
        rows.append(ClusterRow(
            figure: "  changesets/s committed while checking (audit lines; cluster: through the log)", embedded: String(format: "%.0f", changesetsE),
            cluster: String(format: "%.0f", changesetsC), ratio: changesetsE > 0 ? changesetsC / changesetsE : nil, goal: "", holds: nil))
        for (name, figures) in [("embedded", embeddedFigures), ("cluster", clusterFigures)] {
            for run in ["closed_loop", "fixed_rate"] {
                if let cores = ((figures[run] as? [String: Any])?["cpu_cores"] as? [String: Double]).map(PhaseCPU.Cores.init(json:)) {
                    details.append("checks \(run.replacingOccurrences(of: "_", with: " ")) CPU cores busy, \(name): \(cores.text)")
                }
            }
        }
    }

    /// A store of `--lookup-codes` codes written through `writer` (on the cluster: until
    /// every replica has applied it), the machine settled, then checks of a sample of them
    /// over `targets`, the connections dealt round-robin: a fixed concurrency, then a
    /// fixed offered rate.
    private func lookup(writer: ServerUnderTest, targets: [ServerUnderTest], onCluster: Bool) async throws -> [String: Any] {
        let session = try await APISession.open(writer, group: group)
        let plan = LoadFixture.Plan(storeCodes: command.lookupCodes, orderCodes: command.orderCodes, sampleSize: command.sample)
        let fixture = try await LoadFixture.build(plan, session: session, scratch: try writer.scratchFolder(), quiet: quiet)
        await session.close()
        let settled: Double
        if onCluster {
            if let sequence = await cluster.health(0)?.appliedSequence { _ = try await cluster.waitUntilApplied(sequence, since: .now) }
            settled = await cluster.settle()
        } else {
            settled = await ClusterRun.settle(cpu: { embedded.cpuSeconds() }, cores: 0.1)
        }
        var figures: [String: Any] = [
            "store_codes": fixture.storeCodes, "sample": fixture.sample.count, "setup_seconds": fixture.setupSeconds, "settle_seconds": settled,
            "targets": targets.map(\.base),
        ]
        // Checks write too (each is an audit line; lines are batched into changesets):
        // the registry's sequence before and after each run says how many changesets.
        let sequence0 = await appliedSequence(writer)
        let closed = try await checks(
            targets, fixture, total: .closedLoop(connections: command.concurrency), onCluster: onCluster,
            label: "checks \(onCluster ? "cluster" : "embedded"), \(command.concurrency) connections")
        let sequence1 = await appliedSequence(writer)
        let paced = try await checks(
            targets, fixture, total: .fixedRate(perSecond: command.rate, connections: command.rateConnections), onCluster: onCluster,
            label: "checks \(onCluster ? "cluster" : "embedded"), \(grouped(Int(command.rate)))/s offered")
        let sequence2 = await appliedSequence(writer)
        let window = Double(command.warmup + command.duration)
        if let sequence0, let sequence1, let sequence2 {
            figures["changesets_per_second_closed_loop"] = Double(sequence1 - sequence0) / window
            figures["changesets_per_second_fixed_rate"] = Double(sequence2 - sequence1) / window
        }
        var report = BenchReport(mode: "checks")
        closed.add(to: &report, title: "closed", key: "closed_loop")
        paced.add(to: &report, title: "rate", key: "fixed_rate")
        figures["closed_loop"] = report.json["closed_loop"]
        figures["fixed_rate"] = report.json["fixed_rate"]
        return figures
    }

    /// The registry's applied sequence on `server` (its health).
    private func appliedSequence(_ server: ServerUnderTest) async -> UInt64? {
        guard let answer = try? await PlainHTTP.get(server.base + "/health", timeout: 5) else { return nil }
        return (answer.json["appliedSequence"] as? NSNumber)?.uint64Value
    }

    /// One measured run of checks, `total`'s connections (and rate) dealt round-robin
    /// over `targets`, all running at once; refused when its errors exceed the limit.
    private func checks(_ targets: [ServerUnderTest], _ fixture: LoadFixture, total: LoopPace, onCluster: Bool, label: String) async throws -> CheckRun {
        let count = targets.count
        func share(_ index: Int) -> LoopPace {
            switch total {
            case .closedLoop(let connections), .sweep(let connections):
                return .closedLoop(connections: connections / count + (index < connections % count ? 1 : 0))
            case .fixedRate(let perSecond, let connections):
                let mine = connections / count + (index < connections % count ? 1 : 0)
                return .fixedRate(perSecond: perSecond * Double(mine) / Double(connections), connections: mine)
            }
        }
        let progress = LoopProgress()
        let warmup = command.warmup, duration = command.duration, group = group
        let reporter = ProgressReporter(
            label: label, quiet: quiet, duration: .seconds(warmup + duration), count: { progress.completed }, detail: { "errors \(progress.errors)" })
        let cpu = onCluster ? PhaseCPU(cluster: cluster) : PhaseCPU(server: targets[0])
        let expectation = fixture.checkExpectation
        let results = try await withThrowingTaskGroup(of: LoopResult.self) { tasks in
            for (index, target) in targets.enumerated() {
                let requests = fixture.checkRequests(host: target.host, port: target.port)
                let pace = share(index)
                tasks.addTask {
                    try await RequestLoop.run(
                        requests, expect: expectation, pace: pace, warmup: .seconds(warmup), duration: .seconds(duration), host: target.host,
                        port: target.port, group: group, progress: progress)
                }
            }
            var results: [LoopResult] = []
            for try await result in tasks { results.append(result) }
            return results
        }
        let cores = cpu.cores()
        reporter.finish()
        var merged = results[0]
        for other in results.dropFirst() {
            merged.latencies.add(other.latencies)
            merged.responseTimes.add(other.responseTimes)
            merged.ok += other.ok
            merged.errors += other.errors
            merged.sent += other.sent
            merged.errorKinds.merge(other.errorKinds, uniquingKeysWith: +)
            for second in 0..<min(merged.timeline.count, other.timeline.count) {
                merged.timeline[second].answers += other.timeline[second].answers
                merged.timeline[second].maxMicroseconds = max(merged.timeline[second].maxMicroseconds, other.timeline[second].maxMicroseconds)
            }
            if other.timeline.count > merged.timeline.count { merged.timeline += other.timeline[merged.timeline.count...] }
        }
        try LoadContext.refuseIfErrors(label, errors: merged.errors, total: merged.ok + merged.errors, kinds: merged.errorKinds)
        return CheckRun(pace: total, result: merged, cores: CPUShare.Cores(server: cores.engine, client: cores.client, others: cores.others))
    }

    // MARK: Small writes

    private mutating func smallWrites() async throws {
        note("small writes: \(command.writes) participant registrations one after the other, embedded then r1")
        let embeddedTimes = try await registrations(on: embedded)
        let clusterTimes = try await registrations(on: writer)
        let e = Latencies(embeddedTimes), c = Latencies(clusterTimes)
        json["writes"] = ["embedded": e.json, "cluster": c.json, "count": command.writes]
        rows.append(ClusterRow(
            figure: "small write (participant registration) round trip, p50 / p99 ms", embedded: String(format: "%.2f / %.2f", e.p50, e.p99),
            cluster: String(format: "%.2f / %.2f", c.p50, c.p99), ratio: c.p50 / e.p50, goal: "", holds: nil))
    }

    private func registrations(on server: ServerUnderTest) async throws -> [Double] {
        let session = try await APISession.open(server, group: group)
        let base = Int.random(in: 0..<4_000_000_000)
        var times: [Double] = []
        for index in 0..<command.writes {
            let started = ContinuousClock.now
            _ = try await session.register(name: "Bench Writer \(base + index)", roles: ["producer"], seed: base + index)
            times.append((ContinuousClock.now - started).seconds * 1000)
        }
        await session.close()
        return times
    }

    // MARK: Failover

    private mutating func failover() async throws {
        var failover: [String: Any] = [:]
        var replicaKill: FaultRun?
        var leaderKills: [FaultRun] = []
        var leaderStop: FaultRun?
        // A fault after which the cluster does not become whole again ends the series:
        // what was measured stands, the rest is not run, and the table says why.
        var broken: String?
        do {
            note("failover: SIGKILL of replica r1, writes on r2 and r3")
            let fault = try await killReplica()
            replicaKill = fault
            if fault.stops { broken = fault.rejoinFailure }
            for run in 0..<command.failoverRuns where broken == nil {
                note("failover: SIGKILL of the registry stream's leader (\(run + 1) of \(command.failoverRuns)), writes on r1..r3")
                let fault = try await killStreamLeader(signal: SIGKILL)
                leaderKills.append(fault)
                if fault.stops { broken = fault.rejoinFailure }
            }
            if broken == nil {
                note("failover: SIGTERM of the registry stream's leader, writes on r1..r3")
                let fault = try await killStreamLeader(signal: SIGTERM)
                leaderStop = fault
                if fault.stops { broken = fault.rejoinFailure }
            }
        } catch {
            broken = "\(error)"
        }
        failover["replica_sigkill"] = replicaKill?.json
        failover["leader_sigkill"] = leaderKills.map(\.json)
        failover["leader_sigterm"] = leaderStop?.json

        if !leaderKills.isEmpty {
            let firsts = leaderKills.map(\.firstAny).sorted(), everywhere = leaderKills.map(\.firstEvery).sorted()
            let median = firsts[firsts.count / 2], worst = firsts.last!
            rows.append(ClusterRow(
                figure: "failover: SIGKILL stream leader → first successful write, s (median, min–max of \(firsts.count))", embedded: "—",
                cluster: String(format: "%.2f (%.2f–%.2f)", median, firsts.first!, worst), ratio: nil, goal: "≤ 5 s", holds: worst <= 5))
            rows.append(ClusterRow(
                figure: "  … until writes succeed on every replica, s", embedded: "—",
                cluster: [everywhere[everywhere.count / 2], everywhere.first!, everywhere.last!].map { $0.isFinite ? String(format: "%.2f", $0) : "never" }
                    .enumerated().map { $0.offset == 0 ? $0.element + " (" : $0.offset == 1 ? $0.element + "–" : $0.element + ")" }.joined(),
                ratio: nil,
                goal: "", holds: nil))
            failover["leader_sigkill_first_write_seconds"] = ["median": median, "min": firsts.first!, "max": worst]
        }
        if let leaderStop {
            rows.append(ClusterRow(
                figure: "failover: SIGTERM stream leader → first successful write, s", embedded: "—",
                cluster: String(format: "%.2f (every replica %.2f)", leaderStop.firstAny, leaderStop.firstEvery), ratio: nil, goal: "≤ 5 s",
                holds: leaderStop.firstAny <= 5))
        }
        if let replicaKill {
            rows.append(ClusterRow(
                figure: "failover: SIGKILL replica r1 → first successful write on r2/r3, s", embedded: "—",
                cluster: String(format: "%.3f", replicaKill.firstAny), ratio: nil, goal: "≤ 5 s", holds: replicaKill.firstAny <= 5))
            rows.append(ClusterRow(
                figure: "  r1 restarted → serving and caught up, s", embedded: "—",
                cluster: replicaKill.caughtUp.map { String(format: "%.2f", $0) } ?? "never (120 s)", ratio: nil, goal: "", holds: nil))
        }
        let runs = [replicaKill].compactMap { $0 } + leaderKills + [leaderStop].compactMap { $0 }
        let notWhole = runs.filter { $0.rejoinFailure != nil }
        rows.append(ClusterRow(
            figure: "cluster whole again by itself after each fault's node restart", embedded: "—",
            cluster: notWhole.isEmpty
                ? "yes (\(runs.count) of \(runs.count))"
                : "NO: \(notWhole.count) of \(runs.count) left a replica behind the log" + (broken == nil ? " (restarted it)" : " (series stopped)"),
            ratio: nil, goal: "yes", holds: notWhole.isEmpty))
        for run in runs { details.append(run.summary) }

        if let broken {
            failover["stopped"] = broken
            details.append("fault series stopped: \(broken)")
            rows.append(ClusterRow(
                figure: "registry digests of r1..r3 after the faults (marking-server cluster verify)", embedded: "—", cluster: "not compared",
                ratio: nil, goal: "equal", holds: false))
        } else {
            note("cluster verify: digests of r1..r3")
            let verify = try await verifyDigests()
            failover["verify"] = ["equal": verify.equal, "output": verify.output]
            rows.append(ClusterRow(
                figure: "registry digests of r1..r3 after the faults (marking-server cluster verify)", embedded: "—",
                cluster: verify.equal ? "equal" : "DIFFER", ratio: nil, goal: "equal", holds: verify.equal))
            details.append("cluster verify: " + (verify.output.split(separator: "\n").last.map(String.init) ?? "(no output)"))
        }
        json["failover"] = failover
    }

    /// What one fault did.
    struct FaultRun {
        var what: String
        var victim: String
        var pid: Int32
        /// Seconds from the signal to the first successful write (sent after it) on any probed replica.
        var firstAny: Double
        /// …and on every probed replica.
        var firstEvery: Double
        var probes: [WriteProbe.Result]
        var exitSeconds: Double?
        var newLeader: String?
        /// Seconds from the restart to the cluster whole again; `nil` when it did not become whole.
        var rejoin: Double?
        /// Why the cluster did not become whole again after the restart.
        var rejoinFailure: String?
        /// What the bench did so that the series could go on (a stuck replica restarted).
        var repair: String?
        /// The cluster did not become whole and could not be repaired: the series stops.
        var stops: Bool { rejoinFailure != nil && repair == nil }
        /// A replica's restart until it serves and has caught up.
        var caughtUp: Double?
        var missed: UInt64?

        var json: [String: Any] {
            var json: [String: Any] = [
                "what": what, "victim": victim, "pid": Int(pid), "first_write_any_seconds": firstAny, "first_write_every_seconds": firstEvery,
                "probes": probes.map(\.json), "rejoin_seconds": rejoin ?? Double.infinity,
            ]
            if let rejoinFailure { json["rejoin_failure"] = rejoinFailure }
            if let repair { json["repair"] = repair }
            if let exitSeconds { json["exit_seconds"] = exitSeconds }
            if let newLeader { json["new_leader"] = newLeader }
            if let caughtUp { json["restart_caught_up_seconds"] = caughtUp }
            if let missed { json["changesets_missed"] = missed }
            return json
        }

        var summary: String {
            let perReplica = probes.map { probe in
                // Consecutive quick attempts (under a second) that ended alike are one entry:
                // outcome ×n, first sent → last answered. A slow one stays on its own.
                var groups: [(outcome: String, count: Int, sent: Double, answered: Double, quick: Bool)] = []
                for attempt in probe.log {
                    let quick = attempt.answered - attempt.sent < 1
                    if let last = groups.last, last.outcome == attempt.outcome, last.quick, quick {
                        groups[groups.count - 1].count += 1
                        groups[groups.count - 1].answered = attempt.answered
                    } else {
                        groups.append((attempt.outcome, 1, attempt.sent, attempt.answered, quick))
                    }
                }
                let attempts = groups.map { group in
                    String(format: "%@%@ %.2f→%.2f s", group.outcome, group.count > 1 ? " ×\(group.count)" : "", group.sent, group.answered)
                }
                let more = probe.attempts > probe.log.count ? ", … \(probe.attempts - probe.log.count) more" + (probe.first == nil ? ", none succeeded" : "") : ""
                return "\(probe.replica) [" + attempts.joined(separator: ", ") + more + "]"
            }
            return "\(what) \(victim) (pid \(pid)): writes " + perReplica.joined(separator: "; ")
                + (newLeader.map { ", new leader \($0)" } ?? "") + (caughtUp.map { String(format: ", restarted and caught up in %.2f s", $0) } ?? "")
                + (rejoin.map { String(format: ", whole again %.1f s after restart", $0) } ?? ", NOT whole again after restart")
                + (repair.map { " (\($0))" } ?? "")
        }
    }

    /// SIGKILL of replica r1 (the writes so far went there), then writes on r2 and r3
    /// until each succeeds; then r1 restarted on its folder and timed until it serves
    /// and has applied what the others hold.
    private func killReplica() async throws -> FaultRun {
        try await cluster.waitUntilWhole("before the replica kill")
        let victim = ClusterUnderTest.replicas[0]
        let before = await cluster.health(0)?.appliedSequence ?? 0
        let pid = try cluster.signalReplica(victim, SIGKILL)
        let killed = ContinuousClock.now
        let probes = await WriteProbe.run(on: [1, 2], cluster: cluster, group: group, since: killed)
        let exited = await ClusterUnderTest.waitForExit(pid, seconds: 10)
        let restarted = ContinuousClock.now
        try await cluster.restart()
        let target = max(await cluster.health(1)?.appliedSequence ?? 0, await cluster.health(2)?.appliedSequence ?? 0)
        var caughtUp: Double?
        while (ContinuousClock.now - restarted).seconds < 120 {
            if let health = await cluster.health(0), health.appliedSequence >= target {
                caughtUp = (ContinuousClock.now - restarted).seconds
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        if caughtUp == nil { cluster.note("\(victim) restarted did not reach sequence \(target) (what r2 and r3 held) within 120 s") }
        let (rejoin, failure, repair) = await rejoin(after: "\(victim)'s restart", since: restarted)
        return FaultRun(
            what: "SIGKILL replica", victim: victim, pid: pid, firstAny: probes.compactMap(\.first).min() ?? .infinity,
            firstEvery: probes.allSatisfy { $0.first != nil } ? probes.compactMap(\.first).max()! : .infinity, probes: probes,
            exitSeconds: exited ? (restarted - killed).seconds : nil, newLeader: nil, rejoin: rejoin, rejoinFailure: failure, repair: repair,
            caughtUp: caughtUp, missed: target > before ? target - before : 0)
    }

    /// `signal` to the nats-server leading the registry stream, then writes on every
    /// replica until each succeeds; then the node restarted and the cluster whole again.
    private func killStreamLeader(signal: Int32) async throws -> FaultRun {
        let name = signal == SIGKILL ? "SIGKILL" : "SIGTERM"
        try await cluster.waitUntilWhole("before the stream leader's \(name)")
        guard let seen = await cluster.streamState() else {
            throw HTTPBenchError(.server, "no node reports a leader of the \(ClusterUnderTest.stream) stream")
        }
        // The leader as the leader itself sees it (a follower's view may be stale).
        let leader = await cluster.streamState(from: seen.leader)?.leader ?? seen.leader
        let pid = try cluster.signalNode(leader, signal)
        let killed = ContinuousClock.now
        let probes = await WriteProbe.run(on: [0, 1, 2], cluster: cluster, group: group, since: killed)
        let exited = await ClusterUnderTest.waitForExit(pid, seconds: 30)
        let exitSeconds = exited ? (ContinuousClock.now - killed).seconds : nil
        let newLeader = await cluster.streamState()?.leader
        let restarted = ContinuousClock.now
        try await cluster.restart()
        let (rejoin, failure, repair) = await rejoin(after: "\(leader)'s restart (\(name))", since: restarted)
        return FaultRun(
            what: signal == SIGKILL ? "SIGKILL stream leader" : "SIGTERM stream leader", victim: leader, pid: pid,
            firstAny: probes.compactMap(\.first).min() ?? .infinity,
            firstEvery: probes.allSatisfy { $0.first != nil } ? probes.compactMap(\.first).max()! : .infinity, probes: probes,
            exitSeconds: exitSeconds, newLeader: newLeader, rejoin: rejoin, rejoinFailure: failure, repair: repair, caughtUp: nil, missed: nil)
    }

    /// Waits until the cluster is whole again after a restart: the seconds since
    /// `since`, or why it did not become whole. A replica that stays behind the log is
    /// then restarted (SIGTERM, `cluster.sh up`) so that the series can go on; that
    /// repair is returned too, and the run is not counted as whole.
    private func rejoin(after what: String, since: ContinuousClock.Instant) async -> (seconds: Double?, failure: String?, repair: String?) {
        do {
            try await cluster.waitUntilWhole("after \(what)")
            return ((ContinuousClock.now - since).seconds, nil, nil)
        } catch {
            let failure = "\(error)"
            var stuck: [String] = []
            for (index, name) in ClusterUnderTest.replicas.enumerated() {
                let health = await cluster.health(index)
                if health == nil || (health?.lag ?? 0) > 0 { stuck.append(name) }
            }
            guard !stuck.isEmpty else { return (nil, failure, nil) }
            for name in stuck {
                if let pid = try? cluster.signalReplica(name, SIGTERM), !(await ClusterUnderTest.waitForExit(pid, seconds: 30)) {
                    _ = try? cluster.signalReplica(name, SIGKILL)
                    _ = await ClusterUnderTest.waitForExit(pid, seconds: 5)
                }
            }
            do {
                try await cluster.restart()
                let seconds = try await cluster.waitUntilWhole("after restarting \(stuck.joined(separator: ", ")) (stuck after \(what))")
                let repair = "restarted \(stuck.joined(separator: ", ")) (stuck behind the log); whole again \(String(format: "%.1f", seconds)) s later"
                cluster.note("after \(what): " + repair)
                return (nil, failure, repair)
            } catch {
                return (nil, failure + "; restarting \(stuck.joined(separator: ", ")) did not help: \(error)", nil)
            }
        }
    }

    /// `marking-server cluster verify` over the three replicas.
    private func verifyDigests() async throws -> (equal: Bool, output: String) {
        let log = FileManager.default.temporaryDirectory.path + "/marking-cluster-verify-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try await ChildProcess.run(
            binary, ["cluster", "verify", "--replicas", cluster.replicaURLs.joined(separator: ","), "--admin-token", cluster.adminToken],
            environment: ProcessInfo.processInfo.environment, output: log)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status == 0, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: Settling

    /// Waits until `cpu` grows by less than `cores` a second for two seconds in a row (at most `limit`).
    static func settle(cpu: () -> Double?, cores: Double, limit: Double = 180) async -> Double {
        let started = ContinuousClock.now
        guard var last = cpu() else { return 0 }
        var quietSeconds = 0
        while quietSeconds < 2, (ContinuousClock.now - started).seconds < limit {
            try? await Task.sleep(for: .seconds(1))
            guard let now = cpu() else { break }
            quietSeconds = now - last < cores ? quietSeconds + 1 : 0
            last = now
        }
        return (ContinuousClock.now - started).seconds
    }

    private func settleCluster() async {
        _ = await cluster.settle()
    }

    // MARK: Output

    /// Lines printed under the table.
    var details: [String] = []
}
