import ArgumentParser
import ConsoleProgress
import Dispatch
import Emitter
import Foundation
import Histogram
import MarkingCore
import RocksDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `marking-bench lookup`: how the cost of a public code check grows with the store.
///
/// One store per size is built by real emission (orders rotating over several GTINs),
/// its codes family compacted, and its bytes on disk divided by its codes. Then every
/// store is closed, its files are dropped from the OS page cache, and all are reopened,
/// so the first pass of random lookups starts cold (empty block cache, nothing in the
/// page cache). Then each store is read once in full, which loads its block cache as
/// far as it holds, and a second pass of other random codes measures the warm stores
/// (the steady state of a store that has served checks for a while). Each pass
/// runs in rounds that visit the sizes in turn, so that the load of this shared machine
/// drifting during the run weighs on every size alike and the ratio between sizes holds.
///
/// Every lookup is what a public check does with a printed code: parse the string,
/// derive the key, read the record, verify the tail. The codes are regenerated from the
/// orders' counter ranges (as a download does), picked uniformly over the whole store,
/// not only its newest order.
struct LookupBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Latency of random code checks as the store grows, and disk bytes per code.")

    @Option(help: "Store sizes to measure, ascending, with K or M suffixes (default: \(StoreSizes.standard)).", transform: StoreSizes.parse)
    var sizes = StoreSizes.standard

    @Option(help: "Random lookups per pass and size (two passes: cold, then warm).")
    var lookups: Int = 1_000_000

    @Option(help: "Threads doing lookups at once; one per core unless given.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Codes per emission order; orders rotate over \(LookupBenchmark.gtinCount) GTINs.")
    var orderCodes: Int = 1_000_000

    @Option(help: "Seed of the random choice of codes.")
    var seed: UInt64 = 1

    @Option(name: .customLong("block-cache-mib"), help: "Block cache of each store in MiB (default: the engine's default).")
    var blockCacheMiB: Int?

    @Flag(help: "Before measuring, drive every code through a life cycle (applied, introduced, shipped twice in documents of mixed sizes, a third aggregated, half retired by sale), as a registry in service holds them.")
    var lifeCycle = false

    @OptionGroup var options: BenchOptions

    /// The most lookups per pass and size.
    static let maximumLookups = 100_000_000
    static let gtinCount = 16
    /// Rounds per pass: each visits every size once with a tenth of the lookups.
    static let rounds = 10

    func validate() throws {
        guard (1...Self.maximumLookups).contains(lookups) else {
            throw ValidationError("--lookups must be 1...\(grouped(Self.maximumLookups))")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1...64") }
        guard (1...Emitter.maximumQuantity).contains(orderCodes) else {
            throw ValidationError("--order-codes must be 1...\(grouped(Emitter.maximumQuantity))")
        }
        if let blockCacheMiB, !(1...1 << 20).contains(blockCacheMiB) {
            throw ValidationError("--block-cache-mib must be 1...\(1 << 20)")
        }
    }

    func run() throws {
        let folder = try BenchFolder(options.data)
        defer { folder.remove() }
        var databaseOptions = DatabaseOptions()
        if let blockCacheMiB { databaseOptions.blockCacheSize = blockCacheMiB << 20 }
        let gtins = (0..<Self.gtinCount).map { index in
            let body = UInt64(487_000_000_100 + index)
            return GTIN(uncheckedValue: body * 10 + GTIN.checkDigit(of: body))
        }

        var built: [BuiltStore] = []
        for size in sizes.values {
            built.append(try build(size: size, at: folder.store("lookup-\(StoreSizes.short(size))"), gtins: gtins, options: databaseOptions))
        }
        for store in built { try PageCache.evict(under: store.path) }
        let opened = try built.map { try MarkingStore(dataFolder: $0.path, options: databaseOptions) }
        defer { for store in opened { store.close() } }
        let targets = zip(opened, built).map { LookupTarget(store: $0, catalogue: $1.catalogue) }
        let cold = try pass(targets, seed: seed, label: "cold lookups")
        let warmUpSeconds = try targets.map { try warmUp($0) }
        let warm = try pass(targets, seed: seed &+ 0x5EED, label: "warm lookups")
        let measures = built.indices.map {
            SizeMeasure(build: built[$0], cold: cold[$0], warmUpSeconds: warmUpSeconds[$0], warm: warm[$0])
        }
        try report(measures, blockCache: databaseOptions.blockCacheSize).print(to: options.json)
    }

    // MARK: Building the stores

    /// Builds a store of `size` codes at `path`, compacts it, measures it on disk and
    /// closes it.
    private func build(size: Int, at path: String, gtins: [GTIN], options databaseOptions: DatabaseOptions) throws -> BuiltStore {
        let store = try MarkingStore(dataFolder: path, options: databaseOptions)
        defer { store.close() }
        var catalogue = OrderCatalogue()
        var driver = lifeCycle ? try LifeCycleDriver(store: store) : nil
        let emissionSeconds = try grow(store, to: size, gtins: gtins, catalogue: &catalogue, producer: driver?.producer ?? 1)
        var lifeCycleSeconds: Double?
        if driver != nil { lifeCycleSeconds = try drive(&driver!, through: catalogue) }
        let compactionSeconds = try compact(store, codes: size)
        let sstBytes = store.fileBytes(of: .codes)
        store.close()
        return BuiltStore(
            path: path, catalogue: catalogue, emissionSeconds: emissionSeconds, lifeCycleSeconds: lifeCycleSeconds,
            compactionSeconds: compactionSeconds,
            sstBytes: sstBytes, folderBytes: try PageCache.bytes(under: path))
    }

    /// Emits orders of `orderCodes` codes, rotating over `gtins`, until the store holds
    /// `size` codes. Returns the seconds it took.
    private func grow(
        _ store: MarkingStore, to size: Int, gtins: [GTIN], catalogue: inout OrderCatalogue, producer: UInt32
    ) throws -> Double {
        let before = catalogue.codes
        let emitter = try Emitter(store: store)
        let progress = GrowthProgress()
        let reporter = ProgressReporter(
            label: "emission to \(StoreSizes.short(size))", quiet: options.quiet,
            total: { size - before }, completed: { progress.completed })
        defer { reporter.finish() }
        let started = ContinuousClock.now
        while catalogue.codes < size {
            let quantity = min(orderCodes, size - catalogue.codes)
            let gtin = gtins[catalogue.orders.count % gtins.count]
            let orderProgress = progress.begin()
            let order = try emitter.emit(
                EmissionRequest(gtin: gtin, quantity: quantity, template: store.catalog.defaultTemplate, producer: producer),
                progress: orderProgress)
            guard order.state == .completed, order.skipped.isEmpty else {
                throw LookupBenchmarkError.emission("order \(order.id) ended \(order.state.rawValue)")
            }
            catalogue.append(order)
            progress.end(quantity)
        }
        return (ContinuousClock.now - started).seconds
    }

    /// Drives every code of the store's orders through ``LifeCycleDriver``'s life cycle.
    /// Returns the seconds it took.
    private func drive(_ driver: inout LifeCycleDriver, through catalogue: OrderCatalogue) throws -> Double {
        let done = RunningCount()
        let reporter = ProgressReporter(
            label: "life cycle of \(StoreSizes.short(catalogue.codes))", quiet: options.quiet, total: { catalogue.codes },
            completed: { done.value })
        defer { reporter.finish() }
        let started = ContinuousClock.now
        for order in catalogue.orders { try driver.drive(order, done: done) }
        return (ContinuousClock.now - started).seconds
    }

    /// Flushes every family (so that no WAL is kept for them) and compacts the codes
    /// family to the bottommost level. Returns the seconds it took.
    ///
    /// RocksDB tells nothing of a manual compaction's progress, but it reads every
    /// input file once and nothing else in this process reads files meanwhile, so the
    /// bytes the process has read since (`/proc/self/io`) over the SST bytes before it
    /// is how far it is.
    private func compact(_ store: MarkingStore, codes: Int) throws -> Double {
        let started = ContinuousClock.now
        try store.flush()
        let input = store.fileBytes(of: .codes)
        let readBefore = processBytesRead()
        let reporter = ProgressReporter(
            label: "compaction at \(StoreSizes.short(codes)), bytes read", quiet: options.quiet,
            total: { input }, completed: { min(input, processBytesRead() - readBefore) })
        defer { reporter.finish() }
        try store.compact(.codes)
        return (ContinuousClock.now - started).seconds
    }

    // MARK: Lookups

    /// One pass: `lookups` random checks per store, in ``rounds`` rounds that each visit
    /// every store in turn. Returns one result per store, in the order of `targets`.
    private func pass(_ targets: [LookupTarget], seed: UInt64, label: String) throws -> [PassResult] {
        var results = targets.map { _ in PassResult(histogram: Self.emptyHistogram(), seconds: 0) }
        let done = RunningCount()
        let total = lookups * targets.count
        let reporter = ProgressReporter(label: label, quiet: options.quiet, total: { total }, completed: { done.value })
        defer { reporter.finish() }
        var seeds = SplitMix64(seed: seed)
        let rounds = min(Self.rounds, lookups)
        for round in 0..<rounds {
            let count = lookups * (round + 1) / rounds - lookups * round / rounds
            for (index, target) in targets.enumerated() {
                let batches = try generate(count, for: target, seeds: &seeds)
                let timed = try lookUp(batches, in: target.store, done: done)
                results[index].histogram.add(timed.histogram)
                results[index].seconds += timed.seconds
            }
        }
        return results
    }

    /// Reads every record of `target` once, in key order, with a cursor that fills the
    /// block cache, and returns the seconds it took.
    ///
    /// A store that has answered random checks for a while holds in its block cache
    /// whatever of it fits; one pass of random lookups reaches that state only for
    /// small stores (a million lookups touch only part of the blocks of 100 million
    /// codes). Reading everything once gets there for every size, so the warm pass
    /// measures the steady state, not the store's first contact with most of its blocks.
    private func warmUp(_ target: LookupTarget) throws -> Double {
        let store = target.store
        let total = target.catalogue.codes
        let done = RunningCount()
        let reporter = ProgressReporter(
            label: "warm-up read of \(StoreSizes.short(total))", quiet: options.quiet, total: { total }, completed: { done.value })
        defer { reporter.finish() }
        let started = ContinuousClock.now
        let found = try store.warmCodes { done.add($0) }
        guard found == total else {
            throw LookupBenchmarkError.lookup("the warm-up read found \(found) of \(total) codes")
        }
        return (ContinuousClock.now - started).seconds
    }

    /// `count` random codes of `target`, one batch per thread, generated on all cores
    /// before any is timed.
    private func generate(_ count: Int, for target: LookupTarget, seeds: inout SplitMix64) throws -> [CodeBatch] {
        let partSeeds = (0..<threads).map { _ in seeds.next() }
        let batches = Mutex<[Int: CodeBatch]>([:])
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            do {
                var random = SplitMix64(seed: partSeeds[part])
                let size = count * (part + 1) / threads - count * part / threads
                let batch = try CodeBatch(store: target.store, catalogue: target.catalogue, count: size, random: &random)
                batches.withLock { $0[part] = batch }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let failure = failure.withLock({ $0 }) { throw failure }
        return batches.withLock { batches in (0..<threads).map { batches[$0]! } }
    }

    /// Checks the codes of `batches` on one thread per batch, each timing its own
    /// lookups into its own histogram (nanoseconds), merged at the end.
    private func lookUp(_ batches: [CodeBatch], in store: MarkingStore, done: RunningCount) throws -> (histogram: Histogram<UInt64>, seconds: Double) {
        let results = Mutex<[WorkerResult]>([])
        let group = DispatchGroup()
        let started = ContinuousClock.now
        for (part, batch) in batches.enumerated() {
            DispatchQueue(label: "marking.bench.lookup-\(part)", qos: .userInitiated).async(group: group) {
                let result = Self.check(batch, in: store, done: done)
                results.withLock { $0.append(result) }
            }
        }
        group.wait()
        let seconds = (ContinuousClock.now - started).seconds
        var histogram = Self.emptyHistogram()
        var failures = 0
        for result in results.withLock({ $0 }) {
            if let error = result.error { throw error }
            histogram.add(result.histogram)
            failures += result.notGenuine
        }
        guard failures == 0 else {
            throw LookupBenchmarkError.lookup("\(failures) existing codes were not found genuine")
        }
        return (histogram, seconds)
    }

    /// Checks every code of `batch` as the public check does, timing each one.
    private static func check(_ batch: CodeBatch, in store: MarkingStore, done: RunningCount) -> WorkerResult {
        var result = WorkerResult(histogram: emptyHistogram())
        var sinceReport = 0
        for index in 0..<batch.count {
            let bytes = batch.code(index)
            let started = ContinuousClock.now
            let check: CodeCheck
            do {
                check = try store.check(store.parser.parse(bytes: bytes))
            } catch {
                result.error = error
                return result
            }
            let elapsed = ContinuousClock.now - started
            if check.record == nil || check.tail != .valid { result.notGenuine += 1 }
            _ = result.histogram.record(elapsed.nanoseconds)
            sinceReport += 1
            if sinceReport == 4_096 {
                done.add(sinceReport)
                sinceReport = 0
            }
        }
        done.add(sinceReport)
        return result
    }

    /// Nanoseconds from 1 ns to 100 s, three significant digits.
    static func emptyHistogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000_000, numberOfSignificantValueDigits: .three)
    }

    // MARK: Report

    private func report(_ measures: [SizeMeasure], blockCache: Int) -> BenchReport {
        var report = BenchReport(mode: "lookup")
        func row(_ label: String, _ values: (SizeMeasure) -> String) {
            report.add(label, measures.map { values($0).leftPadding(to: 13) }.joined())
        }
        let smallest = measures[0]
        row("codes in store") { grouped($0.codes) }
        row("emission codes/s") { grouped(Int(Double($0.codes) / $0.emissionSeconds)) }
        if lifeCycle { row("life cycle codes/s") { grouped(Int(Double($0.codes) / ($0.lifeCycleSeconds ?? .infinity))) } }
        row("compaction s") { String(format: "%.1f", $0.compactionSeconds) }
        row("codes SST bytes/code") { String(format: "%.2f", $0.sstBytesPerCode) }
        row("whole folder bytes/code") { String(format: "%.2f", $0.folderBytesPerCode) }
        for (name, pass) in [("cold", \SizeMeasure.cold), ("warm", \SizeMeasure.warm)] {
            if name == "warm" { row("warm-up read s") { String(format: "%.1f", $0.warmUpSeconds) } }
            row("\(name) lookups/s") { grouped(Int($0[keyPath: pass].rate(lookups))) }
            for percentile in PassResult.percentiles {
                row("\(name) \(percentile.label) µs") { String(format: "%.1f", $0[keyPath: pass].microseconds(at: percentile.value)) }
            }
            row("\(name) max µs") { String(format: "%.1f", Double($0[keyPath: pass].histogram.max) / 1_000) }
            row("\(name) p99 / p99 at \(StoreSizes.short(smallest.codes))") {
                String(format: "%.2f", $0[keyPath: pass].microseconds(at: 99) / smallest[keyPath: pass].microseconds(at: 99))
            }
        }
        let largest = measures[measures.count - 1]
        let ratio = largest.warm.microseconds(at: 99) / smallest.warm.microseconds(at: 99)
        report.add(
            "warm p99 ratio, \(StoreSizes.short(largest.codes)) / \(StoreSizes.short(smallest.codes))",
            String(format: "%.2f (target <= 2)", ratio), key: "warm_p99_ratio", json: ratio)
        report.add(
            "codes SST bytes/code at \(StoreSizes.short(largest.codes))",
            String(format: "%.2f (target <= 24)", largest.sstBytesPerCode), key: "largest_sst_bytes_per_code",
            json: largest.sstBytesPerCode)
        report.add("lookups per pass", grouped(lookups), key: "lookups_per_pass", json: lookups)
        report.add("threads", "\(threads)", key: "threads", json: threads)
        report.add("codes per order", "\(grouped(orderCodes)) over \(Self.gtinCount) GTINs, template s13-91-92", key: "order_codes", json: orderCodes)
        report.add(
            "records", lifeCycle ? "after a life cycle (see LifeCycleDriver)" : "as emitted (differ only in their counter)",
            key: "life_cycle", json: lifeCycle)
        report.add("block cache", "\(grouped(blockCache >> 20)) MiB per store", key: "block_cache_bytes", json: blockCache)
        report.add("peak RSS", "\(peakResidentBytes() / 1_048_576) MiB", key: "peak_rss_bytes", json: peakResidentBytes())
        report.json["sizes"] = measures.map { $0.json(lookups: lookups, smallest: smallest) }
        return report
    }
}

// MARK: - Store sizes

/// The `--sizes` list: store sizes in codes, strictly ascending, because one store
/// grows through them.
struct StoreSizes: CustomStringConvertible {
    var values: [Int]

    static let standard = StoreSizes(values: [1_000_000, 10_000_000, 100_000_000])
    /// The largest store the benchmark builds: ten of the emitter's largest orders.
    static let maximum = 10 * Emitter.maximumQuantity

    var description: String { values.map(Self.short).joined(separator: ",") }

    /// Parses `1M,10M,100M`: whole numbers, optionally with `K` (thousand) or `M`
    /// (million), case-insensitive, separated by commas.
    static func parse(_ text: String) throws(StoreSizesError) -> StoreSizes {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw .emptyList }
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { throw .emptyItem(text) }
            var digits = Substring(item)
            var multiplier = 1
            switch digits.last {
            case "k", "K": multiplier = 1_000
            case "m", "M": multiplier = 1_000_000
            default: break
            }
            if multiplier != 1 { digits = digits.dropLast() }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .notANumber(item) }
            guard let number = Int(digits), case let (value, overflow) = number.multipliedReportingOverflow(by: multiplier),
                  !overflow, value <= maximum
            else { throw .tooLarge(item, maximum: maximum) }
            guard value > 0 else { throw .zero(item) }
            if let previous = values.last, value <= previous { throw .notAscending(item, after: short(previous)) }
            values.append(value)
        }
        return StoreSizes(values: values)
    }

    /// `1M`, `250K` or the plain number.
    static func short(_ value: Int) -> String {
        if value % 1_000_000 == 0 { return "\(value / 1_000_000)M" }
        if value % 1_000 == 0 { return "\(value / 1_000)K" }
        return "\(value)"
    }
}

/// Why a `--sizes` list was refused.
enum StoreSizesError: Error, CustomStringConvertible {
    case emptyList
    case emptyItem(String)
    case notANumber(String)
    case zero(String)
    case tooLarge(String, maximum: Int)
    case notAscending(String, after: String)

    var description: String {
        switch self {
        case .emptyList:
            "no sizes given; give sizes separated by commas, e.g. 1M,10M,100M"
        case .emptyItem(let list):
            "'\(list)' has an empty size; give sizes separated by commas, e.g. 1M,10M,100M"
        case .notANumber(let item):
            "'\(item)' is not a size; give a whole number, optionally followed by K or M (e.g. 500K, 10M)"
        case .zero(let item):
            "'\(item)' is zero; a store needs at least one code"
        case .tooLarge(let item, let maximum):
            "'\(item)' is more than the \(grouped(maximum)) codes this benchmark builds"
        case .notAscending(let item, let previous):
            "'\(item)' does not grow the store after \(previous); give sizes in ascending order (one store grows through them)"
        }
    }
}

/// A failed set-up or pass: the figures would not mean what they say.
enum LookupBenchmarkError: Error, CustomStringConvertible {
    case emission(String)
    case lookup(String)
    case lifeCycle(String)

    var description: String {
        switch self {
        case .emission(let detail): "emission failed: \(detail)"
        case .lookup(let detail): "lookups failed: \(detail)"
        case .lifeCycle(let detail): "the life cycle failed: \(detail)"
        }
    }
}

// MARK: - Orders and random codes

/// The orders emitted so far, with the running count of codes before each, so that a
/// uniform random index over the store maps to one order and one counter in it.
struct OrderCatalogue: Sendable {
    private(set) var orders: [EmissionOrder] = []
    private var firstIndex: [Int] = []
    private(set) var codes = 0

    mutating func append(_ order: EmissionOrder) {
        firstIndex.append(codes)
        orders.append(order)
        codes += order.quantity
    }

    /// The order holding the `index`-th code of the store and the code's counter.
    func locate(_ index: Int) -> (order: EmissionOrder, counter: UInt64) {
        var low = 0, high = firstIndex.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if firstIndex[middle] <= index { low = middle } else { high = middle - 1 }
        }
        return (orders[low], orders[low].rangeStart + UInt64(index - firstIndex[low]))
    }
}

/// Printed codes for one worker, regenerated from random counters as a download
/// regenerates them (permutation for the serial, keyed HMAC for the tail), held in one
/// flat buffer.
struct CodeBatch: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    var count: Int { ends.count }

    init(store: MarkingStore, catalogue: OrderCatalogue, count: Int, random: inout SplitMix64) throws {
        bytes.reserveCapacity(count * 90)
        ends.reserveCapacity(count)
        var printers: [UInt64: CodePrinter] = [:]
        for _ in 0..<count {
            let (order, counter) = catalogue.locate(Int(random.next() % UInt64(catalogue.codes)))
            if printers[order.id] == nil { printers[order.id] = try CodePrinter(store: store, order: order) }
            bytes.append(contentsOf: printers[order.id]!.code(counter: counter).utf8)
            ends.append(bytes.count)
        }
    }

    /// The bytes of the `index`-th code, as a scanner would deliver them.
    func code(_ index: Int) -> [UInt8] {
        Array(bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]])
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64): the same
/// seed picks the same codes, so runs compare like with like.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

// MARK: - Progress

/// A count that several threads add to and the progress timer reads.
final class RunningCount: Sendable {
    private let atomic = Atomic<Int>(0)

    var value: Int { atomic.load(ordering: .relaxed) }

    func add(_ count: Int) { atomic.add(count, ordering: .relaxed) }
}

/// Codes emitted in finished orders plus the running order's, for the progress line.
final class GrowthProgress: Sendable {
    private let finished = Atomic<Int>(0)
    private let current = Mutex<EmissionProgress?>(nil)

    var completed: Int { finished.load(ordering: .relaxed) + (current.withLock { $0?.completed } ?? 0) }

    /// The progress object for the next order.
    func begin() -> EmissionProgress {
        let progress = EmissionProgress()
        current.withLock { $0 = progress }
        return progress
    }

    func end(_ codes: Int) {
        current.withLock { $0 = nil }
        finished.add(codes, ordering: .relaxed)
    }
}

// MARK: - Results

/// One worker's timings.
struct WorkerResult: Sendable {
    var histogram: Histogram<UInt64>
    var notGenuine = 0
    var error: (any Error)?
}

/// One pass over one store size.
struct PassResult {
    var histogram: Histogram<UInt64>
    var seconds: Double

    static let percentiles: [(label: String, value: Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]

    func microseconds(at percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1_000 }

    func rate(_ lookups: Int) -> Double { Double(lookups) / seconds }

    func json(lookups: Int) -> [String: Any] {
        var json: [String: Any] = ["lookups_per_second": rate(lookups), "max_us": Double(histogram.max) / 1_000]
        for percentile in Self.percentiles { json["\(percentile.label)_us"] = microseconds(at: percentile.value) }
        return json
    }
}

/// A store built for one size, closed, with what its building measured.
struct BuiltStore {
    var path: String
    var catalogue: OrderCatalogue
    var emissionSeconds: Double
    /// The life cycle's seconds (`--life-cycle`), `nil` without it.
    var lifeCycleSeconds: Double?
    var compactionSeconds: Double
    /// Live SST files of the codes family after compaction.
    var sstBytes: Int
    /// Every file under the data folder after compaction, flush and close.
    var folderBytes: Int
}

/// An open store and the orders its random codes are drawn from.
struct LookupTarget: Sendable {
    var store: MarkingStore
    var catalogue: OrderCatalogue
}

/// Everything measured at one store size.
struct SizeMeasure {
    var codes: Int
    var emissionSeconds: Double
    var lifeCycleSeconds: Double?
    var compactionSeconds: Double
    var sstBytes: Int
    var folderBytes: Int
    var cold: PassResult
    var warmUpSeconds: Double
    var warm: PassResult

    init(build: BuiltStore, cold: PassResult, warmUpSeconds: Double, warm: PassResult) {
        codes = build.catalogue.codes
        emissionSeconds = build.emissionSeconds
        lifeCycleSeconds = build.lifeCycleSeconds
        compactionSeconds = build.compactionSeconds
        sstBytes = build.sstBytes
        folderBytes = build.folderBytes
        self.cold = cold
        self.warmUpSeconds = warmUpSeconds
        self.warm = warm
    }

    var sstBytesPerCode: Double { Double(sstBytes) / Double(codes) }
    var folderBytesPerCode: Double { Double(folderBytes) / Double(codes) }

    func json(lookups: Int, smallest: SizeMeasure) -> [String: Any] {
        var cold = cold.json(lookups: lookups), warm = warm.json(lookups: lookups)
        cold["p99_ratio_to_smallest"] = self.cold.microseconds(at: 99) / smallest.cold.microseconds(at: 99)
        warm["p99_ratio_to_smallest"] = self.warm.microseconds(at: 99) / smallest.warm.microseconds(at: 99)
        return [
            "codes": codes, "emission_seconds": emissionSeconds, "life_cycle_seconds": lifeCycleSeconds as Any,
            "compaction_seconds": compactionSeconds, "codes_sst_bytes": sstBytes, "codes_sst_bytes_per_code": sstBytesPerCode,
            "folder_bytes": folderBytes, "folder_bytes_per_code": folderBytesPerCode, "cold": cold,
            "warm_up_seconds": warmUpSeconds, "warm": warm,
        ]
    }
}

// MARK: - Page cache

/// The OS page cache under a closed store: its size, and dropping it, so that a pass
/// right after reopening reads from the disk as after a restart of the machine.
enum PageCache {
    /// The bytes of every regular file under `folder`.
    static func bytes(under folder: String) throws -> Int {
        try files(under: folder).reduce(0) { total, file in
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            return total + ((attributes[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    /// Asks the kernel to drop the cached pages of every file under `folder`
    /// (`posix_fadvise(DONTNEED)`; the files are closed and synced, so all their pages
    /// are clean and can go). Linux only; elsewhere the cold pass starts with the
    /// page cache as it is.
    static func evict(under folder: String) throws {
        #if os(Linux)
        for file in try files(under: folder) {
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else { continue }
            _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(descriptor)
        }
        #endif
    }

    private static func files(under folder: String) throws -> [String] {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        for case let relative as String in enumerator {
            var isDirectory: ObjCBool = false
            let path = folder + "/" + relative
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        return files
    }
}

/// The bytes this process has read through system calls so far (`rchar` of
/// `/proc/self/io`, page-cache hits included), or 0 where there is no such file.
func processBytesRead() -> Int {
    guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8),
          let line = io.split(separator: "\n").first(where: { $0.hasPrefix("rchar:") })
    else { return 0 }
    return line.split(separator: " ").compactMap { Int($0) }.first ?? 0
}

extension Duration {
    /// The duration in whole nanoseconds (negative durations count as zero).
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}

extension String {
    /// The string right-aligned in `width` characters (for table columns).
    func leftPadding(to width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
