import ArgumentParser
import Foundation
import MarkingCore
import OwnershipBatch

/// `marking-server check`: reads a code in any scanner shape, verifies its tail and
/// shows its record. Exits 0 only for a genuine, known code.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a marking code: is it known and genuine? Exits 0 only if so."
    )

    @Argument(help: "The code, in any scanner shape (GS as 0x1D, <GS> or \\u001d; ]d2 prefix; (01)…(21)… form).")
    var code: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let (check, trace) = try reportingErrors { () throws -> (CodeCheck, CodeTrace?) in
            let parsed = try CodeParser().parse(code)
            let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys, create: false)
            defer { markingStore.close() }
            let check = try markingStore.check(parsed)
            let trace = check.record == nil ? nil : try JobEngine(store: markingStore).trace(parsed)
            return (check, trace)
        }
        print("code:      \(check.code.humanReadable)")
        print("GTIN:      \(check.code.cis.gtin)")
        print("serial:    \(check.code.cis.serial)")
        print("tail:      \(check.tail.rawValue)")
        if let record = check.record {
            let template = TemplateCatalog.standard.withID(record.templateID)?.name ?? "#\(record.templateID)"
            let emitted = Date(timeIntervalSince1970: Double(record.emittedAt) / 1000)
            print("status:    \(record.status)")
            print("template:  \(template)")
            print("key:       \(record.keyID)")
            print("owner:     \(record.owner)")
            print("producer:  \(record.producer)")
            print("order:     \(record.order)")
            print("emitted:   \(ISO8601DateFormatter().string(from: emitted))")
            if record.flags.contains(.selfMade) { print("serial by: producer (self-made)") }
            if record.lastDocument != 0 { print("document:  \(record.lastDocument)") }
            if record.flags.contains(.inShipment) { print("shipment:  reserved by document \(record.lastDocument), waiting for its receiver's acceptance") }
            for package in trace?.packages ?? [] {
                print("in:        \(package.kind.rawValue.lowercased()) package \(package.label) (id \(package.id))")
            }
        }
        if let problem = check.problem {
            throw fail("not genuine: \(problem)")
        }
        print("result:    genuine")
    }
}
