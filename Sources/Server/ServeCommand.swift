import ArgumentParser
import Cluster
import Foundation
import Logging
import MarkingCore
import MarkingHTTP
import WebApp

extension CheckReads: ExpressibleByArgument {}

/// `marking-server serve`: the HTTP API over the data folder's store, until SIGINT or
/// SIGTERM, which stop it gracefully (requests in flight finish, then the store closes).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (JSON under /api/v1) on the data folder's store.",
        discussion: "The admin token comes from \(AdminToken.environmentVariable), or is generated on first start into DATA/\(AdminToken.fileName) (mode 0600); its path is printed, the token never."
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port: Int = 8080

    @Option(help: "Run as a replica of a cluster: the NATS JetStream servers holding the registry's log, nats://HOST:PORT[,nats://HOST:PORT...].")
    var cluster: String?

    @Option(help: "This replica's name in the cluster (with --cluster).")
    var node: String?

    @Option(help: ArgumentHelp("Where public checks answered in the pipeline read their record: loop (on the event loop, from memory) or workers (a thread hop per check); for measuring the two.", visibility: .hidden))
    var checkReads: CheckReads = .eventLoop

    @Option(help: "Start a new replica from this checkpoint of another (a folder holding db/, made by POST /registry/checkpoints), then catch up with the log (with --cluster, on an empty data folder).")
    var checkpoint: String?

    @Option(help: "Write a checkpoint of the registry every this many seconds (what a new replica starts from and what `cluster trim` trims the log behind; with --cluster).")
    var checkpointEvery: Int?

    @Option(help: "How many scheduled checkpoints to keep (the newest).")
    var checkpointsKept: Int = 2

    @Option(help: "Requests a second allowed per IP address for requests without a token (public checks, violation reports); 0: unlimited.")
    var anonymousRate: Double = RateLimits.serveDefault.anonymous?.perSecond ?? 0

    @Option(help: "Requests without a token one IP address may send at once after a quiet spell.")
    var anonymousBurst: Double = RateLimits.serveDefault.anonymous?.burst ?? 0

    @Option(help: "Requests a second allowed per bearer token; 0: unlimited.")
    var tokenRate: Double = RateLimits.serveDefault.token?.perSecond ?? 0

    @Option(help: "Requests one token may send at once after a quiet spell.")
    var tokenBurst: Double = RateLimits.serveDefault.token?.burst ?? 0

    @Option(help: "The most connections open at once; more are closed as they arrive.")
    var maxConnections: Int = OpenConnections.defaultLimit

    /// The rate limits the options ask for.
    var limits: RateLimits {
        RateLimits(
            anonymous: anonymousRate > 0 ? RateLimiter.Rate(perSecond: anonymousRate, burst: anonymousBurst) : nil,
            token: tokenRate > 0 ? RateLimiter.Rate(perSecond: tokenRate, burst: tokenBurst) : nil)
    }

    func run() async throws {
        guard (0...65535).contains(port) else { throw fail("port \(port) is out of range 0...65535") }
        guard anonymousRate >= 0, tokenRate >= 0, anonymousBurst >= 1 || anonymousRate == 0, tokenBurst >= 1 || tokenRate == 0 else {
            throw fail("rates are 0 (unlimited) or more, bursts 1 or more")
        }
        guard maxConnections >= 1 else { throw fail("--max-connections must be 1 or more") }
        if let checkpointEvery {
            guard cluster != nil else { throw fail("--checkpoint-every writes checkpoints of a replica: give --cluster too") }
            guard checkpointEvery > 0 else { throw fail("--checkpoint-every must be a positive number of seconds, not \(checkpointEvery)") }
        }
        guard checkpointsKept > 0 else { throw fail("--checkpoints-kept must be at least 1, not \(checkpointsKept)") }
        // Every problem's texts resolved now: a catalogue missing from the build stops the start.
        do { try ProblemCatalog.checkTexts() } catch { throw fail(error.description) }
        if let checkpoint {
            guard cluster != nil else { throw fail("--checkpoint starts a replica of a cluster: give --cluster too") }
            try Self.bootstrap(from: checkpoint, into: store.data)
        }
        let markingStore = try reportingErrors { try MarkingStore(dataFolder: store.data, keyFile: store.keys) }
        defer { markingStore.close() }
        let admin: AdminToken
        do {
            admin = try AdminToken.load(dataFolder: store.data)
        } catch {
            throw fail(error.description)
        }
        var replica: Replica?
        if let cluster {
            guard let node else { throw fail("--cluster needs --node NAME, this replica's name") }
            do {
                replica = try Replica(store: markingStore, urls: cluster.split(separator: ",").map(String.init), node: node)
            } catch {
                throw fail(error.message)
            }
        } else if node != nil {
            throw fail("--node names a replica of a cluster: give --cluster too")
        }
        defer { replica?.stop() }
        let service = try reportingErrors { try MarkingService(store: markingStore, admin: admin, limits: limits, replication: replica) }
        // Runs before the store's own close: documents still running finish first.
        defer { service.close() }
        var logger = Logger(label: "marking-server")
        logger.logLevel = .info
        var standardError = StandardError()
        print(admin.logLine, to: &standardError)
        let host = self.host
        let web: WebApp
        do { web = try WebApp(service: service) } catch { throw fail(error.description) }
        let application = MarkingApplication.buildApplication(
            service: service, host: host, port: port, logger: logger, maximumConnections: maxConnections, checkReads: checkReads,
            pages: { web.add(to: $0) }, sessions: web,
            onServerRunning: { channel in
                var standardError = StandardError()
                let port = channel.localAddress?.port ?? 0
                print("serving http://\(host):\(port)/api/v1", to: &standardError)
                print("web application at http://\(host):\(port)/", to: &standardError)
            })
        let schedule = checkpointEvery.map { seconds in
            Task { [logger] in
                await CheckpointSchedule(interval: .seconds(seconds), kept: checkpointsKept).run(store: markingStore, logger: logger)
            }
        }
        defer { schedule?.cancel() }
        try await application.runService()
    }

    /// Copies a checkpoint's store into an empty data folder.
    static func bootstrap(from checkpoint: String, into data: String) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: checkpoint + "/db/CURRENT") else {
            throw fail("\(checkpoint) is not a checkpoint: it has no db/CURRENT", code: 2)
        }
        guard !manager.fileExists(atPath: data + "/db") else {
            throw fail("\(data) holds a store already; a replica starts from a checkpoint only on an empty data folder", code: 2)
        }
        do {
            try manager.createDirectory(atPath: data, withIntermediateDirectories: true)
            try manager.copyItem(atPath: checkpoint + "/db", toPath: data + "/db")
        } catch {
            throw fail("cannot copy checkpoint \(checkpoint) into \(data): \(error.localizedDescription)")
        }
    }
}
