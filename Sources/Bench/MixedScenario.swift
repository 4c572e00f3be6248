import ConsoleProgress
import Foundation
import LoadClient
import Synchronization

/// `marking-bench http mixed`: a day's traffic at once. Public checks arrive at a
/// fixed rate (`--rate`, default 5,000/s) while a producer places an order of
/// `--day-order-codes` every `--order-interval` seconds and downloads it, and
/// transfers of `--transfer-codes` introduced codes start every `--transfer-interval`
/// seconds, each polled to `CHECKED_OK`. An order or transfer still running when the
/// next is due delays it (the delay is reported), so the work never piles up.
enum MixedScenario {
    static func run(_ context: LoadContext, into report: inout BenchReport) async throws {
        let command = context.command
        let duration = command.duration ?? 60
        let rate = command.rate ?? 5_000
        let transfers = Int((Double(duration) / command.transferInterval).rounded(.up))
        let plan = LoadFixture.Plan(
            storeCodes: command.storeCodes ?? 10_000_000, orderCodes: command.orderCodes, sampleSize: command.sample, slices: transfers,
            sliceCodes: command.transferCodes)
        let fixture = try await LoadFixture.build(plan, session: context.session, scratch: context.scratch, quiet: context.quiet)
        report.add("codes in store at start (this run)", grouped(fixture.storeCodes), key: "store_codes", json: fixture.storeCodes)
        report.add("set-up seconds", String(format: "%.1f", fixture.setupSeconds), key: "setup_seconds", json: fixture.setupSeconds)
        let requests = fixture.checkRequests(host: context.server.host, port: context.server.port)
        try await context.warmSample(requests, fixture.checkExpectation, into: &report)

        let warmup = command.warmup
        let server = context.server, group = context.group, bulkGroup = context.bulkGroup
        let orderCodes = command.dayOrderCodes, orderInterval = command.orderInterval, transferInterval = command.transferInterval
        let end = ContinuousClock.now + .seconds(warmup + duration)
        let received = ProgressCounter()
        let transferred = ProgressCounter()
        let checks = LoopProgress()
        let reporter = ProgressReporter(
            label: "mixed", quiet: context.quiet, duration: .seconds(warmup + duration), count: { checks.completed },
            detail: { "checks, errors \(checks.errors), \(received.value) codes downloaded, \(transferred.value) transferred" })
        let cpu = CPUShare(server)
        async let checked = RequestLoop.run(
            requests, expect: fixture.checkExpectation, pace: .fixedRate(perSecond: rate, connections: command.rateConnections),
            warmup: .seconds(warmup), duration: .seconds(duration), host: server.host, port: server.port, group: group, progress: checks)
        async let ordered = repeating(every: orderInterval, from: .now + .seconds(warmup), until: end) { _ in
            try await APISession.with(server, group: bulkGroup) { session in
                try await EmissionScenario.orderAndDownload(orderCodes, fixture: fixture, session: session, received: received)
            }
        }
        async let moved = repeating(every: transferInterval, from: .now + .seconds(warmup), until: end, limit: fixture.introduced.count) { index in
            let times = try await APISession.with(server, group: bulkGroup) { session in
                try await TransferScenario.transfer(
                    file: fixture.introduced[index], codes: fixture.introducedCodes, number: "mixed-\(UUID().uuidString.prefix(8))-\(index)",
                    fixture: fixture, session: session)
            }
            transferred.add(fixture.introducedCodes)
            return times
        }
        let (checkResult, orders, transfersDone) = try await (checked, ordered, moved)
        let cores = cpu.cores()
        reporter.finish()
        try LoadContext.refuseIfErrors("mixed checks", errors: checkResult.errors, total: checkResult.ok + checkResult.errors, kinds: checkResult.errorKinds)

        report.add("measured seconds", "\(duration) (after \(warmup) s of checks alone)", key: "seconds", json: duration)
        CheckRun(pace: .fixedRate(perSecond: rate, connections: command.rateConnections), result: checkResult, cores: cores)
            .add(to: &report, title: "checks (\(grouped(Int(rate)))/s offered, \(command.rateConnections) connections)", key: "checks")
        let orderSeconds = orders.results.map { $0.orderSeconds + $0.downloadSeconds }
        report.add("orders (every \(orderInterval) s, \(grouped(orderCodes)) codes, downloaded)", "", key: "orders", json: [
            "count": orders.results.count, "codes": orders.results.count * orderCodes, "seconds": orderSeconds,
            "latest_start_seconds": orders.latestStart,
        ])
        report.add("  orders done", "\(orders.results.count), \(grouped(orders.results.count * orderCodes)) codes")
        report.add("  seconds per order + download, mean / max", Self.meanMax(orderSeconds))
        report.add("  latest start behind schedule", String(format: "%.2f s", orders.latestStart))
        let transferSeconds = transfersDone.results.map(\.checked)
        report.add("transfers (every \(transferInterval) s, \(grouped(fixture.introducedCodes)) codes, streamed)", "", key: "transfers", json: [
            "count": transfersDone.results.count, "codes": transfersDone.results.count * fixture.introducedCodes, "seconds": transferSeconds,
            "latest_start_seconds": transfersDone.latestStart,
        ])
        report.add("  transfers done", "\(transfersDone.results.count), \(grouped(transfersDone.results.count * fixture.introducedCodes)) codes")
        report.add("  seconds to CHECKED_OK, mean / max", Self.meanMax(transferSeconds))
        report.add("  latest start behind schedule", String(format: "%.2f s", transfersDone.latestStart))
    }

    static func meanMax(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "none" }
        return String(format: "%.2f / %.2f s", values.reduce(0, +) / Double(values.count), values.max()!)
    }

    /// What a periodic activity did: its results, and how far behind schedule its
    /// latest start was (work running longer than its interval delays the next).
    struct Periodic<T: Sendable>: Sendable {
        var results: [T] = []
        var latestStart: Double = 0
    }

    /// Runs `body` once per `interval` from `start` while starts are before `end`
    /// (at most `limit` times), one at a time.
    static func repeating<T: Sendable>(
        every interval: Double, from start: ContinuousClock.Instant, until end: ContinuousClock.Instant, limit: Int = .max,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> Periodic<T> {
        var periodic = Periodic<T>()
        var index = 0
        while index < limit {
            let due = start + .milliseconds(Int64(Double(index) * interval * 1000))
            guard due < end else { break }
            let now = ContinuousClock.now
            if due > now { try await Task.sleep(until: due) }
            periodic.latestStart = max(periodic.latestStart, (ContinuousClock.now - due).seconds)
            periodic.results.append(try await body(index))
            index += 1
        }
        return periodic
    }
}
