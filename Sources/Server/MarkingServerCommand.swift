import ArgumentParser

/// `marking-server`: the engine's command line: emit codes, check a code, rotate keys,
/// and (with the server issue) serve the HTTP API.
@main
struct MarkingServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marking-server",
        abstract: "The marking engine: issues, stores and checks marking codes on an embedded store.",
        subcommands: [EmitCommand.self, CheckCommand.self, JobCommand.self, ParticipantsCommand.self, KeysCommand.self, ServeCommand.self]
    )
}

/// Options every command that touches a store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder (store and key file).")
    var data: String = "./data"

    @Option(name: .long, help: "The key file (default: <data>/keys.json).")
    var keys: String?
}
