import ArgumentParser
import NIOCore
import NIOPosix

/// `marking-server`: the engine's command line: emit codes, check a code, rotate keys,
/// and (with the server issue) serve the HTTP API.
@main
struct MarkingServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marking-server",
        abstract: "The marking engine: issues, stores and checks marking codes on an embedded store.",
        subcommands: [
            EmitCommand.self, CheckCommand.self, JobCommand.self, ShipmentCommand.self, ParticipantsCommand.self, KeysCommand.self,
            ServeCommand.self, ClusterCommand.self,
        ]
    )

    /// Runs the command. For `serve`, first makes NIO's event loops Swift
    /// Concurrency's global executor: a request's handler then runs on the event loop
    /// that read it, instead of waking a thread of the cooperative pool and waking the
    /// event loop again to write the answer. On a 2-core machine those two thread
    /// hops per request cost more than a public check itself. It is safe because no
    /// handler blocks: store work runs on ``StoreWorkers``' Dispatch queues. It must
    /// happen before any task reaches the global executor, hence here.
    static func main() async {
        if CommandLine.arguments.dropFirst().first == ServeCommand.configuration.commandName {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await main(nil)
    }
}

/// Options every command that touches a store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder (store and key file).")
    var data: String = "./data"

    @Option(name: .long, help: "The key file (default: <data>/keys.json).")
    var keys: String?
}
