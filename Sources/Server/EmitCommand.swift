import ArgumentParser
import ConsoleProgress
import Emitter
import Foundation
import MarkingCore

/// `marking-server emit`: issues codes into the embedded store and writes them out.
struct EmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Issue new marking codes for a GTIN and write them out.",
        discussion: "Every code is written out only once its record is synced to the store, so an output cut short by a crash holds only codes the store keeps (and check finds). At most \(Emitter.maximumQuantity) codes per order."
    )

    @Option(help: "The GTIN, 14 digits with a valid check digit.")
    var gtin: String

    @Option(help: "How many codes to issue (1...\(Emitter.maximumQuantity)).")
    var count: String

    @Option(help: "The code template: \(TemplateCatalog.standard.templates.map(\.name).joined(separator: ", ")).")
    var template: String?

    @Option(help: "The producer's participant id.")
    var producer: UInt32 = 1

    @Option(help: "Write the codes to this file instead of standard output.")
    var out: String?

    @Option(help: "Output format: text, csv or ndjson.")
    var format: String = "text"

    @Option(help: "Shard queues (default: one per core).")
    var shards: Int?

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        // Everything about the input is checked before the store is opened, so bad
        // input leaves the store exactly as it was.
        let gtin = try reportingErrors { try GTIN(self.gtin) }
        guard let quantity = Int(count) else {
            throw fail("count '\(count)' is not a whole number")
        }
        guard (1...Emitter.maximumQuantity).contains(quantity) else {
            throw fail("count \(quantity) is out of range: an order holds 1 to \(Emitter.maximumQuantity) codes")
        }
        let catalog = TemplateCatalog.standard
        let template = try reportingErrors { () throws -> CodeTemplate in
            guard let name = self.template else { return catalog.defaultTemplate }
            return try catalog.named(name)
        }
        guard let format = CodeListFormat(rawValue: format) else {
            throw fail("format '\(self.format)' is unknown; use text, csv or ndjson")
        }
        if let shards, shards < 1 || shards > 64 { throw fail("shards must be 1 to 64, got \(shards)") }
        let sink = try reportingErrors { try FileSink(path: out) }

        let order = try reportingErrors { () throws -> EmissionOrder in
            let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys)
            defer { markingStore.close() }
            let emitter = try Emitter(store: markingStore, shards: shards)
            let progress = EmissionProgress()
            let reporter = ProgressReporter(label: "emit", quiet: quiet, total: { progress.total }, completed: { progress.completed })
            defer { reporter.finish() }
            let started = ContinuousClock.now
            let order = try emitter.emit(
                EmissionRequest(gtin: gtin, quantity: quantity, template: template, producer: producer),
                format: format, sink: sink, progress: progress)
            try sink.close()
            reporter.finish()
            let seconds = (ContinuousClock.now - started).seconds
            var standardError = StandardError()
            print(
                "emitted \(quantity) codes of GTIN \(gtin) (\(template.name)) as order \(order.id) in \(String(format: "%.2f", seconds)) s, \(Int(Double(quantity) / seconds)) codes/s",
                to: &standardError)
            return order
        }
        _ = order
    }
}
