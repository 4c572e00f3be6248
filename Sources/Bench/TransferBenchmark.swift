import ArgumentParser
import ConsoleProgress
import Emitter
import Foundation
import MarkingCore
import OwnershipBatch
import Synchronization

/// `marking-bench transfer`: a store of M introduced codes, then one transfer document
/// of N codes timed end to end (the code list's bytes split into lines, every line
/// parsed and its tail verified, every record read and checked, all changes written in
/// one synced batch), then one retirement document of N other codes, and, when the
/// store holds N more, a two-step shipment of N codes and its acceptance. The ceiling of
/// the same run is a raw MultiGet of the same keys plus one synced batch rewriting the
/// same records.
struct TransferBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer", abstract: "Owner change and retirement of N codes in a store of M introduced codes.")

    @Option(help: "Codes in the timed transfer and retirement documents.")
    var codes: Int = 1_000_000

    @Option(help: "Codes in the store (emitted, applied and introduced before timing).")
    var storeCodes: Int = 5_000_000

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard (1...JobEngine.maximumCodes).contains(codes) else { throw ValidationError("--codes must be 1...\(JobEngine.maximumCodes)") }
        guard storeCodes >= 2 * codes else { throw ValidationError("--store-codes must be at least twice --codes (transfer and retirement use different codes)") }
    }

    func run() throws {
        let folder = try BenchFolder(options.data)
        defer { folder.remove() }
        let store = try MarkingStore(dataFolder: folder.store("transfer"))
        defer { store.close() }
        let directory = ParticipantDirectory(store: store)
        let producer = try directory.register(name: "Bench producer", bin: "000000000000", roles: [.producer])
        let receiver = try directory.register(name: "Bench wholesaler", bin: "000000000000", roles: [.wholesaler])
        let emitter = try Emitter(store: store)
        let engine = try JobEngine(store: store)

        // Set-up: orders of at most `codes` codes, each applied and introduced.
        var lists: [[UInt8]] = []
        var built = 0
        var documentNumber = 0
        let setupStarted = ContinuousClock.now
        while built < storeCodes {
            let size = min(codes, storeCodes - built)
            let order = try emitter.emit(EmissionRequest(gtin: try GTIN("04607000000014"), quantity: size, template: store.catalog.defaultTemplate, producer: producer.id))
            let sink = BufferSink()
            try emitter.download(order, format: .text, sink: sink)
            let text = sink.bytes
            for type in [DocumentType.utilisation, .introduction] {
                documentNumber += 1
                let document = try engine.submit(DocumentRequest(type: type, participant: producer.id, number: "setup-\(documentNumber)", codes: CodeList(text: text)))
                guard document.state == .checkedOK else { throw ValidationError("set-up document \(type) was refused: \(document.refusals)") }
            }
            if lists.count < 3, size == codes { lists.append(text) }
            built += size
            if !options.quiet { writeToStandardError("set-up: \(built)/\(storeCodes) codes introduced\n") }
        }
        // A store at rest: records in SST files, as in a store that has run for a while,
        // not all in the memtable the set-up just filled.
        try store.flush()
        try store.compact(.codes)
        let setupSeconds = (ContinuousClock.now - setupStarted).seconds

        // Ceiling: the same reads and one synced batch of the same record bytes, raw.
        let ceilingSeconds = try measureCeiling(store, list: lists[1])
        try store.flush()

        let transfer = try timed(engine, DocumentRequest(type: .transfer, participant: producer.id, number: "bench-transfer", receiver: receiver.id, codes: CodeList(text: [])), text: lists[0])
        let retirement = try timed(engine, DocumentRequest(type: .retirement, participant: producer.id, number: "bench-retirement", reason: "RETAIL_SALE", codes: CodeList(text: [])), text: lists[1])
        var shipment: (seconds: Double, acceptance: Double)?
        if lists.count == 3 {
            let reserved = try timed(
                engine, DocumentRequest(type: .transfer, participant: producer.id, number: "bench-shipment", receiver: receiver.id, acceptance: true, codes: CodeList(text: [])),
                text: lists[2], expect: .waitAcceptance)
            let started = ContinuousClock.now
            let accepted = try engine.accept(reserved.document.id, by: receiver.id)
            let acceptance = (ContinuousClock.now - started).seconds
            guard accepted.state == .checkedOK, accepted.applied == codes else {
                throw ValidationError("the shipment was not accepted in full: \(accepted.state.rawValue), \(accepted.applied) codes")
            }
            shipment = (reserved.seconds, acceptance)
        }

        var report = BenchReport(mode: "transfer")
        report.add("codes in store", grouped(storeCodes), key: "store_codes", json: storeCodes)
        report.add("codes per document", grouped(codes), key: "codes", json: codes)
        report.add("set-up seconds", String(format: "%.1f", setupSeconds), key: "setup_seconds", json: setupSeconds)
        report.add("transfer seconds", String(format: "%.2f", transfer.seconds), key: "seconds", json: transfer.seconds)
        report.add("transfer codes/s", grouped(Int(Double(codes) / transfer.seconds)), key: "codes_per_second", json: Double(codes) / transfer.seconds)
        addPhases(transfer.phases, as: "transfer", key: "transfer", to: &report)
        report.add("retirement seconds", String(format: "%.2f", retirement.seconds), key: "retirement_seconds", json: retirement.seconds)
        report.add("retirement codes/s", grouped(Int(Double(codes) / retirement.seconds)), key: "retirement_codes_per_second", json: Double(codes) / retirement.seconds)
        addPhases(retirement.phases, as: "retirement", key: "retirement", to: &report)
        if let shipment {
            report.add("two-step shipment seconds (to WAIT_ACCEPTANCE)", String(format: "%.2f", shipment.seconds), key: "shipment_seconds", json: shipment.seconds)
            report.add("its acceptance seconds", String(format: "%.2f", shipment.acceptance), key: "acceptance_seconds", json: shipment.acceptance)
        } else {
            report.add("two-step shipment", "not run: needs --store-codes >= 3 x --codes", key: "shipment_seconds", json: nil as Double?)
        }
        report.add("ceiling seconds (MultiGet + synced batch)", String(format: "%.2f", ceilingSeconds), key: "ceiling_seconds", json: ceilingSeconds)
        report.add("transfer / ceiling time", String(format: "%.2f", transfer.seconds / ceilingSeconds), key: "ratio_to_ceiling", json: transfer.seconds / ceilingSeconds)
        report.add("decree limit", "180 s", key: "decree_limit_seconds", json: 180)
        report.add("peak RSS", "\(peakResidentBytes() / 1_048_576) MiB", key: "peak_rss_bytes", json: peakResidentBytes())
        try report.print(to: options.json)
    }

    /// Runs one document over `text` and returns its seconds and the engine's time per
    /// phase, failing unless it applied. The clock starts before the text is split
    /// into lines; the phases start after.
    private func timed(
        _ engine: JobEngine, _ request: DocumentRequest, text: [UInt8], expect state: DocumentState = .checkedOK
    ) throws -> (seconds: Double, phases: [JobPhase: Duration], document: Document) {
        let progress = JobProgress()
        let started = ContinuousClock.now
        var request = request
        request.codes = CodeList(text: text)
        let document = try engine.submit(request, progress: progress)
        let seconds = (ContinuousClock.now - started).seconds
        guard document.state == state, document.applied == codes else {
            throw ValidationError("\(request.type.rawValue) was not applied in full: \(document.state.rawValue), \(document.refusals)")
        }
        return (seconds, progress.phases, document)
    }

    /// One row with the seconds of each phase of a document (JSON: an object by phase).
    private func addPhases(_ phases: [JobPhase: Duration], as name: String, key: String, to report: inout BenchReport) {
        let seconds = JobPhase.allCases.map { (phases[$0] ?? .zero).seconds }
        report.add(
            "  \(JobPhase.allCases.map(\.rawValue).joined(separator: " / ")) s",
            seconds.map { String(format: "%.2f", $0) }.joined(separator: " / "), key: "\(key)_phase_seconds",
            json: Dictionary(uniqueKeysWithValues: zip(JobPhase.allCases.map(\.rawValue), seconds)))
    }

    /// Reads the records of the codes in `list` and rewrites them unchanged in one
    /// synced batch, with no parsing or checking: what storage alone costs.
    private func measureCeiling(_ store: MarkingStore, list: [UInt8]) throws -> Double {
        let lines = CodeList(text: list)
        var refs: [CodeRef] = []
        for index in 0..<lines.count {
            refs.append(store.ref(for: try store.parser.parse(bytes: Array(lines.line(index))).cis))
        }
        refs.sort()
        let (read, write) = try store.ceilingRewrite(refs)
        if !options.quiet { writeToStandardError("ceiling: read \(read) s, write \(write) s\n") }
        return read + write
    }
}

/// Collects a download in memory.
final class BufferSink: CodeSink {
    private let buffer = Mutex<[UInt8]>([])
    var bytes: [UInt8] { buffer.withLock { $0 } }
    func consume(_ block: [UInt8]) throws { buffer.withLock { $0 += block } }
}
