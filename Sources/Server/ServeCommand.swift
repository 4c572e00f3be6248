import ArgumentParser

/// `marking-server serve`: the HTTP API. Arrives with the server issue; until then it
/// says so and exits non-zero rather than pretending to serve.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (not built yet: use emit and check)."
    )

    @OptionGroup var store: StoreOptions
    @Option var host: String = "127.0.0.1"
    @Option var port: Int = 8080

    func run() throws {
        throw fail("the HTTP server is not built yet; use 'marking-server emit' and 'marking-server check'")
    }
}
