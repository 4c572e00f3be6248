import ArgumentParser
import ConsoleProgress
import Emitter
import Foundation
import MarkingCore
import Synchronization

/// `marking-bench emission`: one order of N codes end to end: counter reservation
/// (synced), every code record written through the WAL, the WAL synced, the order
/// marked completed. With `--with-codes` the codes themselves (serial, crypto tail,
/// text line) are generated alongside, as `marking-server emit` does. The same run
/// measures the ceiling first, so the figure is also a ratio.
struct EmissionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emission", abstract: "Persisted emission throughput, as a ratio to this machine's ceiling.")

    @Option(help: "Codes in the order.")
    var codes: Int = 20_000_000

    @Option(help: "Shard queues (default: one per core).")
    var shards: Int?

    @Flag(help: "Also generate every code (serial, HMAC tail, text line) while the records are written, as the emit command does.")
    var withCodes = false

    @Flag(help: "Skip the ceiling measurement (no ratio).")
    var noCeiling = false

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard (1...Emitter.maximumQuantity).contains(codes) else {
            throw ValidationError("--codes must be 1...\(Emitter.maximumQuantity)")
        }
        if let shards, !(1...64).contains(shards) { throw ValidationError("--shards must be 1...64") }
    }

    func run() throws {
        let folder = try BenchFolder(options.data)
        defer { folder.remove() }
        let ceiling = noCeiling ? nil : try CeilingBenchmark.measure(codes: codes, folder: folder.store("ceiling"), quiet: options.quiet)
        try? FileManager.default.removeItem(atPath: folder.path + "/ceiling")

        resetPeakResident()
        let store = try MarkingStore(dataFolder: folder.store("emission"))
        defer { store.close() }
        let emitter = try Emitter(store: store, shards: shards)
        let progress = EmissionProgress()
        let reporter = ProgressReporter(label: "emission", quiet: options.quiet, total: { progress.total }, completed: { progress.completed })
        let sink = CountingSink()
        let started = ContinuousClock.now
        let order = try emitter.emit(
            EmissionRequest(gtin: try GTIN("04607000000014"), quantity: codes, template: store.catalog.defaultTemplate, producer: 1),
            sink: withCodes ? sink : nil, progress: progress)
        let seconds = (ContinuousClock.now - started).seconds
        reporter.finish()
        let rate = Double(codes) / seconds
        let peak = peakResidentBytes()
        guard order.state == .completed, !withCodes || sink.lines == codes else {
            throw ValidationError("emission did not complete: \(sink.lines) of \(codes) codes")
        }

        var report = BenchReport(mode: "emission")
        report.add("codes", grouped(codes), key: "codes", json: codes)
        report.add("shards", "\(emitter.shardCount)", key: "shards", json: emitter.shardCount)
        report.add("codes generated", withCodes ? "yes: serial + HMAC tail + text line" : "no (records only; add --with-codes)", key: "codes_generated", json: withCodes)
        report.add("seconds", String(format: "%.2f", seconds), key: "seconds", json: seconds)
        report.add("codes/s", grouped(Int(rate)), key: "codes_per_second", json: rate)
        report.add("peak RSS", "\(peak / 1_048_576) MiB", key: "peak_rss_bytes", json: peak)
        if let ceiling {
            report.add("ceiling codes/s", grouped(Int(ceiling.rate)), key: "ceiling_codes_per_second", json: ceiling.rate)
            report.add("ratio to ceiling", String(format: "%.2f", rate / ceiling.rate), key: "ratio_to_ceiling", json: rate / ceiling.rate)
        }
        try report.print(to: options.json)
    }
}

/// Receives generated codes and counts lines and bytes, so the work is done and
/// checked but no disk or terminal is in the measurement.
final class CountingSink: CodeSink {
    private let lineCount = Atomic<Int>(0)
    private let byteCount = Atomic<Int>(0)

    var lines: Int { lineCount.load(ordering: .relaxed) }

    func consume(_ block: [UInt8]) throws {
        var lines = 0
        for byte in block where byte == UInt8(ascii: "\n") { lines += 1 }
        lineCount.add(lines, ordering: .relaxed)
        byteCount.add(block.count, ordering: .relaxed)
    }
}
