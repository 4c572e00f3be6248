import ArgumentParser
import ConsoleProgress
import Emitter
import Foundation
import Histogram
@_spi(Benchmark) import MarkingCore
import MarkingHTTP
import OwnershipBatch
@_spi(Benchmark) import WebApp

/// `marking-bench analytics`: what the analytics counters cost where codes are
/// written, and how fast an analytics page answers on a large store.
///
/// 1. Emission with and without the counters, in the same process and store, in
///    alternating rounds (so that the machine's drift weighs on both alike): many
///    small orders, where the fixed cost per changeset shows, and large ones.
/// 2. A document (utilisation) with and without, alternating: the per-code tally.
/// 3. A store of `--codes` codes emitted over `--participants` producers and
///    `--gtins` GTINs, then `--pages` analytics pages of the web application (a year
///    of days, every GTIN; a producer's, or the admin's national page with the table
///    of participants) rendered as `/cabinet/analytics` renders them: the filters
///    checked, the counters read through the service, the SVG charts drawn and the
///    whole HTML in the app's layout; timed one by one.
struct AnalyticsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics", abstract: "Cost of the analytics counters on emission and documents; analytics page latency on a large store.")

    @Option(help: "Codes in the store the pages are read from.")
    var codes: Int = 100_000_000

    @Option(help: "Codes per order while building that store.")
    var orderCodes: Int = 1_000_000

    @Option(help: "Producers the store's orders rotate over.")
    var participants: Int = 20

    @Option(help: "GTINs the store's orders rotate over.")
    var gtins: Int = 200

    @Option(help: "Analytics pages rendered and timed.")
    var pages: Int = 2_000

    @Option(help: "Small orders per round of the emission comparison, and their size.")
    var smallOrders: Int = 200
    @Option(help: "Codes per small order.")
    var smallOrderCodes: Int = 100

    @Option(help: "Codes per large order and per document of the comparison.")
    var largeCodes: Int = 1_000_000

    @Option(help: "Alternating rounds of each comparison.")
    var rounds: Int = 4

    @OptionGroup var options: BenchOptions

    func validate() throws {
        for (name, value, limit) in [
            ("codes", codes, 10_000_000_000), ("order-codes", orderCodes, Emitter.maximumQuantity), ("participants", participants, 10_000),
            ("gtins", gtins, 100_000), ("pages", pages, 1_000_000), ("small-orders", smallOrders, 100_000),
            ("small-order-codes", smallOrderCodes, Emitter.maximumQuantity), ("large-codes", largeCodes, Emitter.maximumQuantity),
            ("rounds", rounds, 100),
        ] where !(1...limit).contains(value) {
            throw ValidationError("--\(name) must be 1...\(limit)")
        }
    }

    func run() async throws {
        let folder = try BenchFolder(options.data)
        defer { folder.remove() }
        let store = try MarkingStore(dataFolder: folder.store("analytics"))
        defer { store.close() }
        // Documents are only taken from registered participants; this one is id 1.
        let producer = try ParticipantDirectory(store: store).register(name: "Bench producer", bin: "000000000000", roles: [.producer])
        guard producer.id == 1 else { throw ValidationError("the store at \(folder.path) is not new") }
        var report = BenchReport(mode: "analytics")
        try compareEmission(store, report: &report)
        try compareDocuments(store, report: &report)
        try await measurePages(store, report: &report)
        try report.print(to: options.json)
    }

    private func gtin(_ index: Int) -> GTIN {
        let body = UInt64(487_100_000_000 + index)
        return GTIN(uncheckedValue: body * 10 + GTIN.checkDigit(of: body))
    }

    /// Seconds of `body` run with the counters on and off, alternating, summed per side.
    private func alternating(_ store: MarkingStore, _ label: String, _ body: (Int) throws -> Void) throws -> (on: Double, off: Double) {
        var on = 0.0, off = 0.0
        var step = 0
        for round in 0..<rounds {
            // Which side goes first alternates too: no side always runs on a warmer store.
            for counting in round % 2 == 0 ? [true, false] : [false, true] {
                store.committer.countsAnalytics = counting
                defer { store.committer.countsAnalytics = true }
                let started = ContinuousClock.now
                try body(step)
                let seconds = (ContinuousClock.now - started).seconds
                if counting { on += seconds } else { off += seconds }
                step += 1
            }
            if !options.quiet { writeToStandardError("\(label): round \(round + 1)/\(rounds)\n") }
        }
        return (on, off)
    }

    private func compareEmission(_ store: MarkingStore, report: inout BenchReport) throws {
        let emitter = try Emitter(store: store)
        let template = store.catalog.defaultTemplate
        let small = try alternating(store, "small orders") { step in
            for index in 0..<smallOrders {
                _ = try emitter.emit(EmissionRequest(gtin: gtin(index % 16), quantity: smallOrderCodes, template: template, producer: 1 + UInt32(step % 2)))
            }
        }
        let smallCodes = Double(rounds * smallOrders * smallOrderCodes)
        add(&report, "small orders", "\(grouped(smallOrders)) orders of \(grouped(smallOrderCodes)) codes per round", small, codes: smallCodes, key: "small_orders")
        let large = try alternating(store, "large orders") { step in
            _ = try emitter.emit(EmissionRequest(gtin: gtin(step % 16), quantity: largeCodes, template: template, producer: 1))
        }
        add(&report, "large orders", "1 order of \(grouped(largeCodes)) codes per round", large, codes: Double(rounds * largeCodes), key: "large_orders")
    }

    private func compareDocuments(_ store: MarkingStore, report: inout BenchReport) throws {
        let emitter = try Emitter(store: store)
        let engine = try JobEngine(store: store)
        var lists: [[UInt8]] = []
        for index in 0..<(2 * rounds) {
            let order = try emitter.emit(EmissionRequest(gtin: gtin(100 + index), quantity: largeCodes, template: store.catalog.defaultTemplate, producer: 1))
            let sink = BufferSink()
            try emitter.download(order, format: .text, sink: sink)
            lists.append(sink.bytes)
        }
        let documents = try alternating(store, "documents") { step in
            let document = try engine.submit(
                DocumentRequest(type: .utilisation, participant: 1, number: "analytics-bench-\(step)", codes: CodeList(text: lists[step])))
            guard document.state == .checkedOK else { throw ValidationError("utilisation \(step) was refused: \(document.refusals)") }
        }
        add(&report, "utilisation", "1 document of \(grouped(largeCodes)) codes per round", documents, codes: Double(rounds * largeCodes), key: "utilisation")
    }

    private func add(_ report: inout BenchReport, _ label: String, _ what: String, _ seconds: (on: Double, off: Double), codes: Double, key: String) {
        let on = codes / seconds.on, off = codes / seconds.off
        report.add("\(label)", what + ", \(rounds) rounds each way", key: "\(key)_shape", json: what)
        report.add("  codes/s with counters", grouped(Int(on)), key: "\(key)_with_counters", json: on)
        report.add("  codes/s without", grouped(Int(off)), key: "\(key)_without_counters", json: off)
        report.add("  ratio with/without", String(format: "%.3f", on / off), key: "\(key)_ratio", json: on / off)
    }

    private func measurePages(_ store: MarkingStore, report: inout BenchReport) async throws {
        let emitter = try Emitter(store: store)
        var built = try store.statusCounts(.national).total
        let target = Int64(codes)
        let progress = RunningCount()
        progress.add(Int(built))
        let codes = self.codes
        let reporter = ProgressReporter(label: "store to \(grouped(codes)) codes", quiet: options.quiet, total: { codes }, completed: { progress.value })
        let started = ContinuousClock.now
        var order = 0
        while built < target {
            let quantity = Int(min(Int64(orderCodes), target - built))
            _ = try emitter.emit(
                EmissionRequest(gtin: gtin(200 + order % gtins), quantity: quantity, template: store.catalog.defaultTemplate,
                                producer: UInt32(1 + order % participants)))
            built += Int64(quantity)
            progress.add(quantity)
            order += 1
        }
        reporter.finish()
        let buildSeconds = (ContinuousClock.now - started).seconds
        let stored = try store.statusCounts(.national).total
        let counted = try store.dayCounts(.national, from: 0, through: .max).reduce(Int64(0)) { $0 + $1[.emitted] }
        guard stored == counted, stored >= target else {
            throw ValidationError("the counters disagree: \(stored) codes by status, \(counted) emitted by day")
        }

        // The pages are the web application's, over a service on this store; the
        // producers the orders rotated over become participants so that each has a page.
        let directory = ParticipantDirectory(store: store)
        var producers: [Participant] = []
        for id in 1...UInt32(participants) {
            if let known = try directory.participant(id) {
                producers.append(known)
            } else {
                producers.append(try directory.register(name: "Bench producer \(id)", bin: "000000000000", roles: [.producer]))
            }
        }
        let service = try MarkingService(store: store, admin: AdminToken(secret: "bench-admin-token-not-for-use-0123456789"))
        defer { service.close() }
        let web = try WebApp(service: service)
        let today = MarkingService.analyticsToday
        let filters = "from=\(CalendarDate.text(day: today - 365))&to=\(CalendarDate.text(day: today))"
        // Microseconds.
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var bytes = 0
        let rendered = RunningCount()
        let pages = self.pages
        let reporterPages = ProgressReporter(label: "pages", quiet: options.quiet, total: { pages }, completed: { rendered.value })
        for index in 0..<pages {
            // Every other page is the admin's national one; the rest cycle over the producers.
            let caller: Caller = index % 2 == 0 ? .admin : .participant(producers[index / 2 % producers.count])
            let pageStarted = ContinuousClock.now
            let html = try await web.analyticsPageHTML(caller: caller, filters: filters, language: .ru)
            _ = histogram.record(UInt64((ContinuousClock.now - pageStarted).seconds * 1_000_000))
            guard html.contains("id=\"analytics-days-title\"") else { throw ValidationError("page \(index) has no day chart") }
            bytes = max(bytes, html.utf8.count)
            rendered.add(1)
        }
        reporterPages.finish()
        report.add("store", "\(grouped(Int(stored))) codes, \(participants) producers, \(gtins) GTINs, built in \(String(format: "%.0f", buildSeconds)) s", key: "store_codes", json: stored)
        report.add("page", "/cabinet/analytics in process: a year of days, every GTIN, 2 SVG charts, app layout; largest \(grouped(bytes)) bytes", key: "page_bytes", json: bytes)
        for (label, quantile) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
            let micros = histogram.valueAtPercentile(quantile * 100)
            report.add("page \(label)", String(format: "%.2f ms", Double(micros) / 1000), key: "page_\(label)_ms", json: Double(micros) / 1000)
        }
        report.add("target", "under 50 ms", key: "page_target_ms", json: 50)
    }
}
