import ArgumentParser
import MarkingCore
import OwnershipBatch

/// `marking-server shipment list|accept|reject … --participant P`: the shipments (two-step
/// transfers, a `job` with `"acceptance": true`) waiting for a receiver, and its answer.
struct ShipmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipment",
        abstract: "List, accept or reject shipments waiting for acceptance (transfers with acceptance).",
        subcommands: [List.self, Accept.self, Reject.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The shipments waiting for a receiver to accept or reject them, oldest first, one a line.")

        @Option(help: "The receiver (participant id).")
        var participant: UInt32

        @OptionGroup var store: StoreOptions

        func run() throws {
            let waiting = try reportingErrors { () throws -> [Document] in
                let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys, create: false)
                defer { markingStore.close() }
                let engine = try JobEngine(store: markingStore)
                var all: [Document] = []
                while true {
                    let page = try engine.shipments(waitingFor: participant, after: all.last?.id ?? 0)
                    guard !page.isEmpty else { return all }
                    all += page
                }
            }
            for document in waiting {
                print("document \(document.id) (\(document.type.rawValue) \(document.number)) from participant \(document.participant): \(document.applied) codes waiting")
            }
            print("\(waiting.count) shipment\(waiting.count == 1 ? "" : "s") waiting for participant \(participant)")
        }
    }

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
