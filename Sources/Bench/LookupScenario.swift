import ConsoleProgress
import Foundation
import Histogram
import LoadClient

/// `marking-bench http lookup`: a store of `--store-codes` codes ordered and downloaded
/// through the API, then public checks (`GET /api/v1/codes/{code}`) of codes drawn at
/// random from a sample of them: first at a fixed concurrency (closed loop), then at
/// a fixed offered rate with latency counted from when each check was due.
enum LookupScenario {
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
        let requests = fixture.checkRequests(host: context.server.host, port: context.server.port)
        let duration = command.duration ?? 20

        if command.pace != .rate {
            let closed = try await checks(
                context, requests, fixture.checkExpectation, pace: .closedLoop(connections: command.concurrency),
                warmup: command.warmup, duration: duration, label: "lookup, \(command.concurrency) connections")
            closed.add(to: &report, title: "fixed concurrency (\(command.concurrency) connections)", key: "closed_loop")
        }
        if command.pace != .closed {
            let rate = command.rate ?? 20_000
            let paced = try await checks(
                context, requests, fixture.checkExpectation, pace: .fixedRate(perSecond: rate, connections: command.rateConnections),
                warmup: command.warmup, duration: duration, label: "lookup, \(grouped(Int(rate)))/s offered")
            paced.add(to: &report, title: "fixed rate (\(grouped(Int(rate)))/s offered, \(command.rateConnections) connections)", key: "fixed_rate")
        }
        report.add("target", "checks >= 20,000/s with p99 <= 5 ms on >= 10,000,000 codes", key: "target", json: ["requests_per_second": 20_000, "p99_ms": 5, "store_codes": 10_000_000])
    }

    /// One measured run of checks, refused when its errors exceed the limit.
    static func checks(
        _ context: LoadContext, _ requests: RequestSet, _ expectation: ResponseExpectation, pace: LoopPace, warmup: Int, duration: Int,
        label: String
    ) async throws -> CheckRun {
        let progress = LoopProgress()
        let reporter = ProgressReporter(
            label: label, quiet: context.quiet, duration: .seconds(warmup + duration), count: { progress.completed },
            detail: { "errors \(progress.errors)" })
        let cpu = CPUShare(context.server)
        let result = try await RequestLoop.run(
            requests, expect: expectation, pace: pace, warmup: .seconds(warmup), duration: .seconds(duration),
            host: context.server.host, port: context.server.port, group: context.group, progress: progress)
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

    func add(to report: inout BenchReport, title: String, key: String) {
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
        case .closedLoop(let connections):
            json["connections"] = connections
        case .fixedRate(let perSecond, let connections):
            json["connections"] = connections
            json["offered_per_second"] = perSecond
        }
        report.add("\(title)", "", key: key, json: json)
        report.add("  checks/s (verified)", grouped(Int(result.throughput.rounded())))
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
    }
}
