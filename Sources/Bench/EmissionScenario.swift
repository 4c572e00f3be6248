import ConsoleProgress
import Foundation
import LoadClient
import Synchronization

/// `marking-bench http emission`: `--codes` codes ordered through `POST /orders` in
/// orders of `--order-codes`, each downloaded as streamed text as soon as it is
/// `COMPLETED`, `--pipelines` orders in flight at once. The figure is codes per
/// second from the first order sent to the last code received, every download counted
/// and checked line by line.
enum EmissionScenario {
    /// One order's times.
    struct OrderTimes: Sendable {
        var codes: Int
        var orderSeconds: Double
        var downloadSeconds: Double
    }

    static func run(_ context: LoadContext, into report: inout BenchReport) async throws {
        let command = context.command
        let total = command.codes ?? 10_000_000
        let orderCodes = min(command.orderCodes, total)
        let fixture = try await LoadFixture.build(
            LoadFixture.Plan(storeCodes: 0, orderCodes: orderCodes, sampleSize: 0), session: context.session, scratch: context.scratch,
            quiet: context.quiet)
        let received = ProgressCounter()
        let reporter = ProgressReporter(label: "emission", quiet: context.quiet, total: { total }, completed: { received.value })
        let cpu = CPUShare(context.server)
        let started = ContinuousClock.now
        let times = try await orders(
            total: total, orderCodes: orderCodes, pipelines: command.pipelines, fixture: fixture, server: context.server,
            context: context, received: received)
        let seconds = (ContinuousClock.now - started).seconds
        reporter.finish()
        let rate = Double(total) / seconds

        report.add("codes", grouped(total), key: "codes", json: total)
        report.add("orders x codes", "\(times.count) x \(grouped(orderCodes))", key: "orders", json: times.count)
        report.add("orders in flight", "\(command.pipelines)", key: "pipelines", json: command.pipelines)
        report.add("seconds, first order to last code received", String(format: "%.2f", seconds), key: "seconds", json: seconds)
        report.add("codes/s end to end (ordered + downloaded)", grouped(Int(rate)), key: "codes_per_second", json: rate)
        let orderMean = times.map(\.orderSeconds).reduce(0, +) / Double(times.count)
        let downloadMean = times.map(\.downloadSeconds).reduce(0, +) / Double(times.count)
        report.add("mean order seconds (POST until COMPLETED)", String(format: "%.2f", orderMean), key: "order_seconds_mean", json: orderMean)
        report.add("mean download seconds (text, streamed)", String(format: "%.2f", downloadMean), key: "download_seconds_mean", json: downloadMean)
        cpu.add(to: &report, prefix: "emission", key: "cpu_cores")
        report.add("target", ">= 500,000 codes/s including download", key: "target_codes_per_second", json: 500_000)
    }

    /// Runs the orders over `pipelines` connections; every order and download is verified.
    static func orders(
        total: Int, orderCodes: Int, pipelines: Int, fixture: LoadFixture, server: ServerUnderTest, context: LoadContext,
        received: ProgressCounter
    ) async throws -> [OrderTimes] {
        let claims = OrderClaims(total: total, orderCodes: orderCodes)
        let group = context.group
        return try await withThrowingTaskGroup(of: [OrderTimes].self) { tasks in
            for _ in 0..<pipelines {
                tasks.addTask {
                    let session = try await APISession.open(server, group: group)
                    var times: [OrderTimes] = []
                    while true {
                        let quantity = claims.next()
                        guard quantity > 0 else { break }
                        times.append(try await orderAndDownload(quantity, fixture: fixture, session: session, received: received))
                    }
                    await session.close()
                    return times
                }
            }
            var all: [OrderTimes] = []
            for try await times in tasks { all += times }
            return all
        }
    }

    /// Places one order and downloads it, checking every line.
    static func orderAndDownload(_ quantity: Int, fixture: LoadFixture, session: APISession, received: ProgressCounter) async throws -> OrderTimes {
        let started = ContinuousClock.now
        let order = try await session.order(gtin: fixture.gtin, quantity: quantity, by: fixture.producer)
        let ordered = ContinuousClock.now
        let consumer = try CodeListConsumer(gtin: fixture.gtin, progress: received)
        try await session.download(order: order, quantity: quantity, by: fixture.producer, into: consumer)
        return OrderTimes(codes: quantity, orderSeconds: (ordered - started).seconds, downloadSeconds: (ContinuousClock.now - ordered).seconds)
    }
}

/// Hands out the orders of an emission run to its pipelines: each takes the next
/// order's size until the total is reached (then 0).
final class OrderClaims: Sendable {
    private let claimed = Mutex(0)
    private let total: Int
    private let orderCodes: Int

    init(total: Int, orderCodes: Int) {
        self.total = total
        self.orderCodes = orderCodes
    }

    func next() -> Int {
        claimed.withLock { claimed in
            let quantity = min(orderCodes, total - claimed)
            claimed += quantity
            return quantity
        }
    }
}
