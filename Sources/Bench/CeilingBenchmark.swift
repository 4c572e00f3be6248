import ArgumentParser
import ConsoleProgress
import Foundation
import MarkingCore
import Synchronization

/// `marking-bench ceiling`: what this machine's RocksDB does with the same keys and
/// record bytes as emission, written sequentially from one thread in the same batch
/// size, with nothing else to compute: the ceiling emission is measured against.
struct CeilingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling", abstract: "Raw sequential RocksDB batch writes of emission's keys and records.")

    @Option(help: "Number of records.")
    var codes: Int = 20_000_000

    @Option(help: "Key derivation: 'counter' (GTIN + counter: appends) or 'serial' (GTIN + serial bytes: random inserts).")
    var keys: KeyDerivation = .counter

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard codes >= 1 else { throw ValidationError("--codes must be at least 1") }
    }

    func run() throws {
        let folder = try BenchFolder(options.data)
        defer { folder.remove() }
        let result = try Self.measure(codes: codes, folder: folder.store("ceiling"), keys: keys, quiet: options.quiet)
        var report = BenchReport(mode: "ceiling")
        report.add("codes", grouped(codes), key: "codes", json: codes)
        report.add("keys", keys.rawValue, key: "keys", json: keys.rawValue)
        report.add("seconds", String(format: "%.2f", result.seconds), key: "seconds", json: result.seconds)
        report.add("codes/s", grouped(Int(result.rate)), key: "codes_per_second", json: result.rate)
        report.add("peak RSS", "\(result.peakRSS / 1_048_576) MiB", key: "peak_rss_bytes", json: result.peakRSS)
        try report.print(to: options.json)
    }

    struct Result {
        var seconds: Double
        var rate: Double
        var peakRSS: Int
    }

    /// The two key derivations of DESIGN.md section 3.
    enum KeyDerivation: String, ExpressibleByArgument {
        case counter, serial
    }

    /// Writes `codes` records into the codes family of a fresh store at `folder`.
    static func measure(codes: Int, folder: String, keys derivation: KeyDerivation = .counter, quiet: Bool) throws -> Result {
        resetPeakResident()
        let store = try MarkingStore(dataFolder: folder)
        defer { store.close() }
        let gtin = GTIN(uncheckedValue: 4_607_000_000_014)
        let record = CodeRecord(
            status: .emitted, templateID: 1, keyID: "K001", owner: 1, producer: 1, order: 1,
            emittedAt: MarkingStore.now()
        ).bytes
        let done = ProgressCounter()
        let reporter = ProgressReporter(label: "ceiling", quiet: quiet, total: { codes }, completed: { done.value })
        defer { reporter.finish() }
        let prefix = CodeKey.make(gtin: gtin, serialLength: 13, preimage: 0)
        let permutation = store.permutation(gtin: gtin, serialLength: 13)
        let started = ContinuousClock.now
        try store.ceilingWrite(
            count: codes, record: record,
            firstKey: derivation == .counter ? prefix : Array(prefix[0..<9]) + Array(repeating: 0, count: 13),
            key: { value, key in
                switch derivation {
                case .counter:
                    var remaining = UInt64(value)
                    for index in stride(from: key.count - 1, through: 9, by: -1) {
                        key[index] = UInt8(truncatingIfNeeded: remaining)
                        remaining >>= 8
                    }
                case .serial:
                    key.withUnsafeMutableBufferPointer { permutation.writeSerial(counter: UInt64(value), to: $0.baseAddress! + 9) }
                }
            },
            progress: { done.value = $0 })
        let seconds = (ContinuousClock.now - started).seconds
        reporter.finish()
        return Result(seconds: seconds, rate: Double(codes) / seconds, peakRSS: peakResidentBytes())
    }
}

/// A progress counter written by the benchmark and read by the progress timer.
final class ProgressCounter: Sendable {
    private let atomic = Atomic<Int>(0)

    var value: Int {
        get { atomic.load(ordering: .relaxed) }
        set { atomic.store(newValue, ordering: .relaxed) }
    }

    func add(_ amount: Int) {
        atomic.add(amount, ordering: .relaxed)
    }
}
