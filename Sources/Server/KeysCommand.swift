import ArgumentParser
import MarkingCore

/// `marking-server keys`: key file administration. Shows ids only, never key material.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show or rotate the tail keys (ids only; secrets are never printed).",
        subcommands: [List.self, Rotate.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List key ids and the active one.")
        @OptionGroup var store: StoreOptions

        func run() throws {
            let ring = try reportingErrors { try KeyFile.load(at: store.keys ?? store.data + "/keys.json") }
            for id in ring.keyIDs { print(id == ring.activeKeyID ? "\(id) (active)" : id) }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new key and make it active; codes under older keys still verify.")
        @OptionGroup var store: StoreOptions

        func run() throws {
            let id = try reportingErrors { try KeyFile.rotate(at: store.keys ?? store.data + "/keys.json") }
            print("new active key: \(id)")
        }
    }
}
