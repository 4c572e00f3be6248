import ConsoleProgress
import Foundation
import Histogram
import LoadClient

/// `marking-bench http lookup`: a store of `--store-codes` codes ordered and downloaded
/// through the API, then public checks (`GET /api/v1/codes/{code}`) of codes drawn at
/// random from a sample of them: first at a fixed concurrency (closed loop), then at
/// fixed offered rates (25, 50 and 75 % of that maximum) with latency counted from
/// when each check was due.
///
/// Beside the checks, with the same load generator, connections and client threads:
/// the machine's HTTP ceiling (nginx, ``HTTPCeiling``) and the server's `GET /health`,
/// so each figure is also a ratio to what this machine serves over HTTP in this run.
enum LookupScenario {
    /// The shares of the checks' fixed-concurrency maximum offered in the fixed-rate runs.
    static let rateShares = [0.25, 0.5, 0.75]

    static func run(_ context: LoadContext, into report: inout BenchReport) async throws {
        let command = context.command
        let plan = LoadFixture.Plan(
            storeCodes: command.storeCodes ?? 10_000_000, orderCodes: command.orderCodes, sampleSize: command.sample)
        let fixture = try await LoadFixture.build(plan, session: context.session, scratch: context.scratch, quiet: context.quiet)
        report.add("codes in store (this run)", grouped(fixture.storeCodes), key: "store_codes", json: fixture.storeCodes)
        report.add("codes sampled to check", grouped(fixture.sample.count), key: "sample", json: fixture.sample.count)
        report.add("set-up seconds", String(format: "%.1f", fixture.setupSeconds), key: "setup_seconds", json: fixture.setupSeconds)
        let settled = try await context.settle()
        report.add("seconds waited for the store to settle", String(format: "%.0f", settled), key: "settle_seconds", json: settled)
        let server = context.server
        let requests = fixture.checkRequests(host: server.host, port: server.port)
        try await context.warmSample(requests, fixture.checkExpectation, into: &report)
        let duration = command.duration ?? 20
        let closedPace = LoopPace.closedLoop(connections: command.concurrency)

        var maximum: Double?
        if command.pace != .rate {
            var ceilingRate: Double?
            if command.ceiling {
                let ceiling = try HTTPCeiling.start(script: try HTTPCeiling.script(command.ceilingScript), quiet: context.quiet)
                defer { ceiling.stop() }
                let run = try await checks(
                    context, Self.ok(host: ceiling.host, port: ceiling.port, target: "/"), Self.okExpectation, pace: closedPace,
                    warmup: command.warmup, duration: duration, label: "nginx ceiling, \(command.concurrency) connections", target: (ceiling.host, ceiling.port))
                run.add(to: &report, title: "nginx ceiling (1 worker, 16-byte JSON; \(command.concurrency) connections)", key: "ceiling", what: "requests")
                ceilingRate = run.result.throughput
            }
            let closed = try await checks(
                context, requests, fixture.checkExpectation, pace: closedPace, warmup: command.warmup, duration: duration,
                label: "lookup, \(command.concurrency) connections")
            closed.add(to: &report, title: "fixed concurrency (\(command.concurrency) connections)", key: "closed_loop", ceiling: ceilingRate)
            maximum = closed.result.throughput
            if ceilingRate != nil {
                let health = try await checks(
                    context, Self.ok(host: server.host, port: server.port, target: "/api/v1/health"), Self.okExpectation, pace: closedPace,
                    warmup: command.warmup, duration: duration, label: "health, \(command.concurrency) connections")
                health.add(to: &report, title: "GET /health (\(command.concurrency) connections)", key: "health", what: "requests", ceiling: ceilingRate)
            }
        }
        if command.pace != .closed {
            let rates = command.rate.map { [(share: nil as Double?, rate: $0)] }
                ?? maximum.map { maximum in rateShares.map { (share: $0 as Double?, rate: ($0 * maximum).rounded()) } }
                ?? [(share: nil, rate: 20_000)]
            var runs: [[String: Any]] = []
            for (share, rate) in rates {
                let pace = LoopPace.fixedRate(perSecond: rate, connections: command.rateConnections)
                let paced = try await checks(
                    context, requests, fixture.checkExpectation, pace: pace, warmup: command.warmup, duration: duration,
                    label: "lookup, \(grouped(Int(rate)))/s offered")
                let of = share.map { String(format: ", %.0f %% of the maximum", $0 * 100) } ?? ""
                var json = paced.add(
                    to: &report, title: "fixed rate (\(grouped(Int(rate)))/s offered\(of), \(command.rateConnections) connections)",
                    key: share == 0.5 || share == nil ? "fixed_rate" : nil)
                json["share_of_maximum"] = share
                runs.append(json)
            }
            report.add("fixed-rate runs", "", key: "fixed_rates", json: runs)
        }
        report.add("target", "checks >= 20,000/s with p99 <= 5 ms on >= 10,000,000 codes", key: "target", json: ["requests_per_second": 20_000, "p99_ms": 5, "store_codes": 10_000_000])
    }

    /// The one request `GET target`, its answer to hold `"status":"ok"`: for the
    /// ceiling and `/health`.
    static func ok(host: String, port: Int, target: String) -> RequestSet {
        var builder = RequestSet.Builder(host: host, port: port)
        builder.add(target: target, mustContain: Array(#""status":"ok""#.utf8))
        return builder.build()
    }

    static let okExpectation = ResponseExpectation(status: 200, contains: [])

    /// One measured run of checks, refused when its errors exceed the limit.
    static func checks(
        _ context: LoadContext, _ requests: RequestSet, _ expectation: ResponseExpectation, pace: LoopPace, warmup: Int, duration: Int,
        label: String, target: (host: String, port: Int)? = nil
    ) async throws -> CheckRun {
        let progress = LoopProgress()
        let reporter = ProgressReporter(
            label: label, quiet: context.quiet, duration: .seconds(warmup + duration), count: { progress.completed },
            detail: { "errors \(progress.errors)" })
        let cpu = CPUShare(context.server)
        let result = try await RequestLoop.run(
            requests, expect: expectation, pace: pace, warmup: .seconds(warmup), duration: .seconds(duration),
            host: target?.host ?? context.server.host, port: target?.port ?? context.server.port, group: context.group, progress: progress)
        let cores = cpu.cores()
        reporter.finish()
        try LoadContext.refuseIfErrors(label, errors: result.errors, total: result.ok + result.errors, kinds: result.errorKinds)
        return CheckRun(pace: pace, result: result, cores: cores)
    }
}

/// One measured run of checks, as reported.
struct CheckRun {
    var pace: LoopPace
    var result: LoopResult
    var cores: CPUShare.Cores

    /// Adds the run's rows to `report` (and its JSON under `key`, when given) and
    /// returns that JSON; `ceiling` is the nginx ceiling's requests/s of the same run.
    @discardableResult
    func add(to report: inout BenchReport, title: String, key: String?, what: String = "checks", ceiling: Double? = nil) -> [String: Any] {
        let latencies = result.latencies
        let percentiles: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]
        var json: [String: Any] = [
            "requests_per_second": result.throughput, "ok": result.ok, "errors": result.errors, "error_kinds": result.errorKinds,
            "seconds": result.seconds, "sent": result.sent,
            "latency_ms": Dictionary(uniqueKeysWithValues: percentiles.map { ($0.0, latencies.milliseconds($0.1)) })
                .merging(["max": Double(latencies.max) / 1000, "mean": latencies.mean / 1000]) { $1 },
            "response_time_ms": Dictionary(uniqueKeysWithValues: percentiles.map { ($0.0, result.responseTimes.milliseconds($0.1)) })
                .merging(["max": Double(result.responseTimes.max) / 1000]) { $1 },
            "cpu_cores": cores.json,
            "timeline": result.timeline.map { ["answers": $0.answers, "max_ms": Double($0.maxMicroseconds) / 1000] },
        ]
        switch pace {
        case .closedLoop(let connections), .sweep(let connections):
            json["connections"] = connections
        case .fixedRate(let perSecond, let connections):
            json["connections"] = connections
            json["offered_per_second"] = perSecond
        }
        if let ceiling, ceiling > 0 { json["ceiling_ratio"] = result.throughput / ceiling }
        report.add("\(title)", "", key: key, json: json)
        report.add("  \(what)/s (verified)", grouped(Int(result.throughput.rounded())))
        if let ceiling, ceiling > 0 {
            report.add("  ratio to the nginx ceiling", String(format: "%.2f (%@ requests/s, same load generator)", result.throughput / ceiling, grouped(Int(ceiling.rounded()))))
        }
        let values = percentiles.map { String(format: "%.2f", latencies.milliseconds($0.1)) } + [String(format: "%.2f", Double(latencies.max) / 1000)]
        report.add("  latency p50/p90/p99/p99.9/max", values.joined(separator: " / ") + " ms")
        if case .fixedRate = pace {
            let times = result.responseTimes
            let measured = percentiles.map { String(format: "%.2f", times.milliseconds($0.1)) } + [String(format: "%.2f", Double(times.max) / 1000)]
            report.add("  response time from send, same", measured.joined(separator: " / ") + " ms")
        }
        report.add("  errors", "\(result.errors) of \(grouped(result.ok + result.errors))" + (result.errorKinds.isEmpty ? "" : " \(result.errorKinds)"))
        if let (second, worst) = result.timeline.enumerated().max(by: { $0.element.maxMicroseconds < $1.element.maxMicroseconds }) {
            let over5 = result.timeline.filter { $0.maxMicroseconds > 5_000 }.count
            report.add(
                "  worst second / seconds with a check > 5 ms",
                String(format: "second %d: max %.1f ms / %d of %d", second, Double(worst.maxMicroseconds) / 1000, over5, result.timeline.count))
        }
        if !cores.text.isEmpty { report.add("  CPU cores busy", cores.text) }
        return json
    }
}
