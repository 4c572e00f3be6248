import ArgumentParser
import ConsoleProgress
import Foundation
import Histogram
import LoadClient
import NIOCore
import NIOPosix

/// `marking-bench http SCENARIO`: load over HTTP against a `marking-server`, the one
/// it starts (default) or one already running (`--url`), loopback only.
///
/// Every run is bounded in count and time and stops by itself. Every answer is
/// verified (a check that is not 200, known, genuine, of the right GTIN and serial is
/// an error, not throughput), and a run whose errors exceed 0.1% is not reported: it
/// ends with `error: bench.error_rate: …` and exit status 3.
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Load a marking-server over HTTP: emission, lookup, transfer or mixed.",
        discussion: """
            emission  orders placed and their codes downloaded as streamed text, codes/s end to end
            lookup    public checks of random stored codes, at a fixed concurrency and then at a fixed offered rate
            transfer  one transfer document of --codes codes streamed as text, time until CHECKED_OK
            mixed     checks at a fixed rate while orders and transfers run, as a day looks
            """)

    /// What a run measures.
    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case emission, lookup, transfer, mixed
    }

    /// Which lookup runs to make.
    enum LookupPace: String, ExpressibleByArgument, CaseIterable {
        case both, closed, rate
    }

    /// The largest share of failed requests a reported run may have (0.1%).
    static let errorLimit = 0.001

    @Argument(help: "emission, lookup, transfer or mixed.")
    var scenario: Scenario

    @Option(help: "A running server (http://127.0.0.1:PORT, loopback only). Default: start marking-server from this build folder on a temporary data folder.")
    var url: String?

    @Option(help: "The admin token of the --url server (default: $MARKING_ADMIN_TOKEN).")
    var adminToken: String?

    @Option(help: "The marking-server binary to start (default: the one next to marking-bench).")
    var server: String?

    @Option(help: "Where the started server's pipeline reads public checks' records: loop or workers (marking-server serve --check-reads).")
    var checkReads: String?

    @Option(help: "Codes to put in the store before measuring (lookup, mixed: default 10,000,000; transfer: default --codes).")
    var storeCodes: Int?

    @Option(help: "Codes per order in the set-up, and per order in the emission scenario.")
    var orderCodes: Int = 1_000_000

    @Option(help: "Stored codes kept in memory to check (a uniform random sample).")
    var sample: Int = 200_000

    @Option(help: "Connections of the fixed-concurrency lookup run (each sends its next check when the last is answered).")
    var concurrency: Int = 32

    @Option(help: "Offered checks per second of the fixed-rate run (lookup: default 25, 50 and 75 % of the fixed-concurrency maximum, or 20,000 without that run; mixed: default 5,000).")
    var rate: Double?

    @Flag(inversion: .prefixedNo, help: "Lookup: measure the nginx ceiling (scripts/http-ceiling.sh) and /health with the same load generator, and state every figure as a ratio to the ceiling.")
    var ceiling = true

    @Option(help: "The ceiling script (default: scripts/http-ceiling.sh above this executable or the working directory).")
    var ceilingScript: String?

    @Option(help: "Connections the fixed-rate checks are spread over (enough that a slow answer does not hold up the schedule).")
    var rateConnections: Int = 128

    @Option(help: "Seconds measured per run (lookup: default 20 per run; mixed: default 60).")
    var duration: Int?

    @Option(help: "Seconds of load before each lookup run's measured window (not counted).")
    var warmup: Int = 5

    @Flag(inversion: .prefixedNo, help: "Lookup and mixed: check each sampled code once before the measured runs, so the store's block cache holds them as a running server's would (--no-warm-sample: measure a cold cache).")
    var warmSample = true

    @Option(help: "Lookup runs: both, closed (fixed concurrency only) or rate (fixed rate only).")
    var pace: LookupPace = .both

    @Option(help: "Codes in all (emission: default 10,000,000) or in the transfer document (transfer: default 1,000,000).")
    var codes: Int?

    @Option(help: "Emission: orders in flight at once, each downloaded as soon as it completes.")
    var pipelines: Int = 2

    @Option(help: "Event-loop threads of the load generator.")
    var clientThreads: Int = 1

    @Option(help: "Mixed: codes per order during the run (each also downloaded).")
    var dayOrderCodes: Int = 100_000

    @Option(help: "Mixed: seconds between the starts of two orders.")
    var orderInterval: Double = 2

    @Option(help: "Mixed: codes per transfer document.")
    var transferCodes: Int = 100_000

    @Option(help: "Mixed: seconds between the starts of two transfers.")
    var transferInterval: Double = 5

    @OptionGroup var options: BenchOptions

    func validate() throws {
        if let storeCodes, !(1...1_000_000_000).contains(storeCodes) { throw ValidationError("--store-codes must be 1...1,000,000,000") }
        if let codes, !(1...100_000_000).contains(codes) { throw ValidationError("--codes must be 1...100,000,000") }
        if scenario == .transfer, let codes, codes > 10_000_000 { throw ValidationError("a document holds at most 10,000,000 codes") }
        guard (1...100_000_000).contains(orderCodes) else { throw ValidationError("--order-codes must be 1...100,000,000") }
        guard (1...10_000_000).contains(sample) else { throw ValidationError("--sample must be 1...10,000,000") }
        guard (1...4_096).contains(concurrency), (1...4_096).contains(rateConnections) else {
            throw ValidationError("--concurrency and --rate-connections must be 1...4096")
        }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be above 0 and at most 1,000,000") }
        if let duration, !(1...3_600).contains(duration) { throw ValidationError("--duration must be 1...3600 seconds") }
        guard (0...600).contains(warmup) else { throw ValidationError("--warmup must be 0...600 seconds") }
        guard (1...64).contains(pipelines), (1...64).contains(clientThreads) else { throw ValidationError("--pipelines and --client-threads must be 1...64") }
        guard (1...10_000_000).contains(dayOrderCodes), (1...10_000_000).contains(transferCodes) else {
            throw ValidationError("--day-order-codes and --transfer-codes must be 1...10,000,000")
        }
        guard orderInterval > 0, transferInterval > 0 else { throw ValidationError("intervals must be above 0 seconds") }
        if url == nil, adminToken != nil { throw ValidationError("--admin-token goes with --url") }
        if let checkReads, !["loop", "workers"].contains(checkReads) { throw ValidationError("--check-reads is loop or workers") }
        if url != nil, checkReads != nil { throw ValidationError("--check-reads is for the server this tool starts, not --url") }
    }

    func run() async throws {
        try await reportingBenchErrors { try await measure() }
    }

    private func measure() async throws {
        let server: ServerUnderTest
        if let url {
            guard let token = adminToken ?? ProcessInfo.processInfo.environment["MARKING_ADMIN_TOKEN"] else {
                throw HTTPBenchError(.options, "--url needs the server's admin token: --admin-token or MARKING_ADMIN_TOKEN")
            }
            server = try ServerUnderTest.running(url: url, adminToken: token)
        } else {
            server = try ServerUnderTest.start(
                binary: self.server, parent: options.data, quiet: options.quiet, arguments: checkReads.map { ["--check-reads", $0] } ?? [])
        }
        defer { server.stop() }
        let stopOnSignal = SignalStop(server)
        defer { stopOnSignal.cancel() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        let bulkGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await measure(server: server, group: group, bulkGroup: bulkGroup)
            try? await group.shutdownGracefully()
            try? await bulkGroup.shutdownGracefully()
        } catch {
            try? await group.shutdownGracefully()
            try? await bulkGroup.shutdownGracefully()
            throw error
        }
    }

    private func measure(server: ServerUnderTest, group: MultiThreadedEventLoopGroup, bulkGroup: MultiThreadedEventLoopGroup) async throws {
        try await APISession.waitUntilHealthy(server, group: group)
        let session = try await APISession.open(server, group: group)
        let scratch = try server.scratchFolder()
        var report = BenchReport(mode: "http \(scenario.rawValue)")
        report.add("server", server.pid == nil ? "\(server.base) (running)" : "marking-server child, pid \(server.pid!), \(server.base)", key: "server", json: server.base)
        report.add("client event-loop threads", "\(clientThreads)", key: "client_threads", json: clientThreads)
        if let checkReads { report.add("server's check reads", checkReads, key: "check_reads", json: checkReads) }
        let context = LoadContext(command: self, server: server, group: group, bulkGroup: bulkGroup, session: session, scratch: scratch)
        do {
            switch scenario {
            case .lookup: try await LookupScenario.run(context, into: &report)
            case .emission: try await EmissionScenario.run(context, into: &report)
            case .transfer: try await TransferScenario.run(context, into: &report)
            case .mixed: try await MixedScenario.run(context, into: &report)
            }
        } catch let error as HTTPBenchError where error.code == .errorRate {
            // The runs measured before the refused one stand; the refused one is not shown.
            report.add("not reported", error.message)
            try report.print(to: nil)
            throw error
        }
        if let peak = server.peakResidentBytes() {
            report.add("server peak RSS", "\(peak / 1_048_576) MiB", key: "server_peak_rss_bytes", json: peak)
        }
        await session.close()
        try report.print(to: options.json)
    }
}

/// What every scenario works with.
struct LoadContext {
    let command: HTTPBenchmark
    let server: ServerUnderTest
    let group: MultiThreadedEventLoopGroup
    /// The event loop of a mixed run's producer (orders downloaded, documents uploaded):
    /// another client than the phones and tills on `group`. On the checks' own loop its
    /// megabytes would delay the checks' scheduled sends, and the bench would measure
    /// itself rather than the server.
    let bulkGroup: any EventLoopGroup
    let session: APISession
    let scratch: String

    var quiet: Bool { command.options.quiet }

    /// Waits until a child server's CPU use falls below a tenth of a core for two
    /// seconds in a row (at most `limit` seconds): the store's background work after
    /// the set-up (memtable flushes, compactions) done, as in a store that has been
    /// running. Returns the seconds waited; 0 for a server started elsewhere.
    func settle(limit: Double = 180) async throws -> Double {
        guard var last = server.cpuSeconds() else { return 0 }
        let started = ContinuousClock.now
        let reporter = ProgressReporter(label: "settling (store background work)", quiet: quiet, duration: .seconds(limit), count: { 0 })
        defer { reporter.finish() }
        var quietSeconds = 0
        while quietSeconds < 2, (ContinuousClock.now - started).seconds < limit {
            try await Task.sleep(for: .seconds(1))
            guard let now = server.cpuSeconds() else { break }
            quietSeconds = now - last < 0.1 ? quietSeconds + 1 : 0
            last = now
        }
        return (ContinuousClock.now - started).seconds
    }

    /// Checks every code of the sample once (`--warm-sample`, 32 connections) and adds
    /// the seconds it took to `report`: afterwards the store's block cache holds the
    /// blocks the measured checks read, as it holds a running server's working set. A
    /// few seconds of random checks leave a 10M-code store's cache partly cold, and the
    /// measured window then reads blocks from disk for its whole length, more in one run
    /// than the next. Nothing with `--no-warm-sample` (measuring a cold start on purpose).
    func warmSample(_ requests: RequestSet, _ expect: ResponseExpectation, into report: inout BenchReport) async throws {
        guard command.warmSample else { return }
        let started = ContinuousClock.now
        let progress = LoopProgress()
        let reporter = ProgressReporter(
            label: "warm-up: each sampled code checked once", quiet: quiet, total: { requests.count }, completed: { progress.completed })
        defer { reporter.finish() }
        let result = try await RequestLoop.run(
            requests, expect: expect, pace: .sweep(connections: 32), warmup: .zero, duration: .seconds(3_600),
            host: server.host, port: server.port, group: group, progress: progress)
        try Self.refuseIfErrors("warm-up checks", errors: result.errors, total: result.ok + result.errors, kinds: result.errorKinds)
        let seconds = (ContinuousClock.now - started).seconds
        report.add("warm-up: each sampled code checked once", String(format: "%.1f s", seconds), key: "warm_sample_seconds", json: seconds)
    }

    /// Fails the run when `errors` of `total` exceed ``HTTPBenchmark/errorLimit``.
    static func refuseIfErrors(_ what: String, errors: Int, total: Int, kinds: [String: Int]) throws(HTTPBenchError) {
        guard total > 0 else { throw HTTPBenchError(.errorRate, "\(what): nothing was measured") }
        let rate = Double(errors) / Double(total)
        guard rate <= HTTPBenchmark.errorLimit else {
            let detail = kinds.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            throw HTTPBenchError(
                .errorRate,
                "\(what): \(errors) of \(total) requests failed (\(String(format: "%.3f", rate * 100))%, limit 0.1%; \(detail)); the run is not reported")
        }
    }
}

/// CPU time of the server and of this load generator over one measured phase: on a
/// shared 2-core machine, who used how much of it.
/// The machine is shared, so the share other processes took is reported too: a
/// run slowed by someone else's build says so.
struct CPUShare {
    private let server: ServerUnderTest
    private let started = ContinuousClock.now
    private let serverStart: Double?
    private let clientStart: Double?
    private let machineStart: Double?

    init(_ server: ServerUnderTest) {
        self.server = server
        serverStart = server.cpuSeconds()
        clientStart = ServerUnderTest.ownCPUSeconds()
        machineStart = ServerUnderTest.machineBusySeconds()
    }

    /// Cores busy on average; `nil` where unknown.
    struct Cores {
        var server: Double?
        var client: Double?
        /// Everything else on the machine (other processes, interrupts).
        var others: Double?

        var text: String {
            [
                server.map { String(format: "server %.2f", $0) }, client.map { String(format: "load generator %.2f", $0) },
                others.map { String(format: server == nil ? "server and others %.2f" : "others %.2f", $0) },
            ].compactMap { $0 }.joined(separator: ", ")
        }

        var json: [String: Double] { ["server": server ?? -1, "client": client ?? -1, "others": others ?? -1] }
    }

    func cores() -> Cores {
        let wall = max((ContinuousClock.now - started).seconds, 0.001)
        let serverCores = serverStart.flatMap { start in server.cpuSeconds().map { ($0 - start) / wall } }
        let clientCores = clientStart.flatMap { start in ServerUnderTest.ownCPUSeconds().map { ($0 - start) / wall } }
        let machine = machineStart.flatMap { start in ServerUnderTest.machineBusySeconds().map { ($0 - start) / wall } }
        let others = machine.map { max(0, $0 - (serverCores ?? 0) - (clientCores ?? 0)) }
        return Cores(server: serverCores, client: clientCores, others: others)
    }

    /// Adds the CPU row for `prefix` to `report`.
    func add(to report: inout BenchReport, prefix: String, key: String) {
        let cores = cores()
        report.add("\(prefix) CPU cores busy", cores.text.isEmpty ? "unknown" : cores.text, key: key, json: cores.json)
    }
}

/// Stops the child server when the load generator is interrupted, so no server is
/// left running on its temporary folder.
final class SignalStop {
    private let sources: [any DispatchSourceSignal]

    init(_ server: ServerUnderTest) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                server.stop()
                writeToStandardError("interrupted: server stopped\n")
                exit(130)
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}

extension Histogram where Count == UInt64 {
    /// The latency at `percentile` in milliseconds (values are microseconds).
    func milliseconds(_ percentile: Double) -> Double {
        Double(valueAtPercentile(percentile)) / 1000
    }
}
