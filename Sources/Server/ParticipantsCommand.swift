import ArgumentParser
import MarkingCore

/// `marking-server participants`: the register of participants documents refer to.
struct ParticipantsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "participants",
        abstract: "Register and show participants (producers, importers, wholesalers, retailers).",
        subcommands: [Add.self, Show.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a participant and print its id.")

        @Option(help: "The participant's name.")
        var name: String

        @Option(help: "The 12-digit BIN or IIN (check digit validated).")
        var bin: String

        @Option(name: .customLong("role"), help: "A role: producer, importer, wholesaler or retailer (repeatable).")
        var roles: [String] = []

        @OptionGroup var store: StoreOptions

        func run() throws {
            var parsed: [ParticipantRole] = []
            for role in roles {
                guard let value = ParticipantRole(rawValue: role) else {
                    throw fail("role '\(role)' is unknown; use producer, importer, wholesaler or retailer")
                }
                parsed.append(value)
            }
            if parsed.isEmpty { throw fail("give at least one --role") }
            try reportingErrors { try Participant.validateBIN(bin) }
            let participant = try reportingErrors { () throws -> Participant in
                let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys)
                defer { markingStore.close() }
                return try ParticipantDirectory(store: markingStore).register(name: name, bin: bin, roles: parsed)
            }
            print("participant \(participant.id): \(participant.name) (BIN \(participant.bin), \(participant.roles.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one participant.")

        @Argument(help: "The participant id.")
        var id: UInt32

        @OptionGroup var store: StoreOptions

        func run() throws {
            let participant = try reportingErrors { () throws -> Participant? in
                let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys, create: false)
                defer { markingStore.close() }
                return try ParticipantDirectory(store: markingStore).participant(id)
            }
            guard let participant else { throw fail("participant \(id) is not registered") }
            print("participant \(participant.id): \(participant.name) (BIN \(participant.bin), \(participant.roles.map(\.rawValue).joined(separator: ", ")))")
        }
    }
}
