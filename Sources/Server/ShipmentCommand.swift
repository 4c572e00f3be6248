import ArgumentParser
import MarkingCore
import OwnershipBatch

/// `marking-server shipment accept|reject DOCUMENT --participant P`: the receiver's
/// answer to a two-step transfer (a `job` with `"acceptance": true`) that waits for it.
struct ShipmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipment",
        abstract: "Accept or reject a shipment waiting for acceptance (a transfer with acceptance).",
        subcommands: [Accept.self, Reject.self]
    )

    struct Answer: ParsableArguments {
        @Argument(help: "The document id of the shipment.")
        var document: UInt64

        @Option(help: "The receiver answering (participant id).")
        var participant: UInt32

        @OptionGroup var store: StoreOptions

        func run(accepting: Bool) throws {
            let document = try reportingErrors { () throws -> Document in
                let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys, create: false)
                defer { markingStore.close() }
                let engine = try JobEngine(store: markingStore)
                return accepting ? try engine.accept(self.document, by: participant) : try engine.reject(self.document, by: participant)
            }
            print("document \(document.id) (\(document.type.rawValue) \(document.number)): \(document.state.rawValue), \(document.lines) lines, \(accepting ? "\(document.applied) codes now owned by participant \(participant)" : "codes freed, owner unchanged")")
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The receiver accepts: every code moves to it, the document becomes CHECKED_OK.",
            discussion: "Exits 1, changing nothing, for anyone but the receiver or a document not waiting for acceptance.")

        @OptionGroup var answer: Answer

        func run() throws { try answer.run(accepting: true) }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The receiver rejects: the codes are freed with their owner unchanged, the document becomes REJECTED.",
            discussion: "Exits 1, changing nothing, for anyone but the receiver or a document not waiting for acceptance.")

        @OptionGroup var answer: Answer

        func run() throws { try answer.run(accepting: false) }
    }
}
