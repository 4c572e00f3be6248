import ArgumentParser
import ConsoleProgress
import Foundation
import LoadClient
import NIOCore
import NIOPosix

/// `marking-bench cluster`: the replicated cluster (three nats-server nodes, three
/// replicas, `scripts/cluster.sh`) beside one embedded `marking-server`, both loaded
/// by the same load generator in the same run, and the ratio of each figure.
///
/// Figures, each first on the embedded server and then on the cluster:
/// - emission: orders placed and their codes downloaded on one replica, codes/s
///   acknowledged, and until every replica has applied the last order;
/// - a transfer of `--transfer-codes` codes: seconds until `CHECKED_OK` on the
///   replica it was sent to (acknowledged), and until every replica's applied sequence
///   reaches the `X-Registry-Sequence` of that answer (applied everywhere);
/// - public checks: one server against the same connections spread round-robin over
///   the three replicas, at a fixed concurrency and at a fixed offered rate;
/// - a small write's round trip (a participant registration), the log's cost per changeset;
/// and on the cluster only, failover: SIGKILL (and SIGTERM) of the registry stream's
/// leader node and SIGKILL of a replica, each timed from the signal to the first
/// successful write sent after it, then the node restarted and the cluster whole again.
struct ClusterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "The three-node cluster beside one embedded server, same run: emission, transfer, checks, failover.",
        discussion: """
            Starts (or connects to) the cluster with scripts/cluster.sh up on --dir (default: a new temporary folder) and
            --base-port, and an embedded marking-server on a temporary folder. The replicas are $MARKING_SERVER, else --server,
            else the marking-server next to this executable. Stops the cluster at the end unless --keep (or it was
            already running). Prints a table (figure, embedded, cluster, ratio, goal, holds) and writes --json.
            """)

    /// The parts of a run, in the order they run.
    enum Part: String, CaseIterable, ExpressibleByArgument {
        case emission, transfer, lookup, writes, failover
    }

    @Option(help: "The cluster's folder (scripts/cluster.sh --dir). Default: a new temporary folder, removed afterwards.")
    var dir: String?

    @Option(help: "The cluster's base port: NATS clients on N..N+2, routes N+2000.., monitoring N+4000.., replicas' HTTP N+4100..")
    var basePort: Int = 24_222

    @Option(help: "Emission: codes ordered and downloaded in all.")
    var codes: Int = 1_000_000

    @Option(help: "Emission: codes per order (also the set-up orders of the checks).")
    var orderCodes: Int = 100_000

    @Option(help: "Emission: orders in flight at once.")
    var pipelines: Int = 2

    @Option(help: "Codes in the transfer document.")
    var transferCodes: Int = 1_000_000

    @Option(help: "Checks: codes put in the store before the checks.")
    var lookupCodes: Int = 1_000_000

    @Option(help: "Checks: stored codes kept in memory to check.")
    var sample: Int = 100_000

    @Option(help: "Checks: connections of the fixed-concurrency run (on the cluster spread over the replicas).")
    var concurrency: Int = 32

    @Option(help: "Checks: offered checks per second of the fixed-rate run.")
    var rate: Double = 5_000

    @Option(help: "Checks: connections of the fixed-rate run.")
    var rateConnections: Int = 48

    @Option(help: "Checks: seconds measured per run.")
    var duration: Int = 10

    @Option(help: "Checks: seconds of load before each measured window.")
    var warmup: Int = 3

    @Option(help: "Small writes (participant registrations) timed one after the other.")
    var writes: Int = 200

    @Option(help: "SIGKILLs of the stream leader (each timed; the election timeout is random).")
    var failoverRuns: Int = 3

    @Option(help: "Only these parts, comma-separated: \(Part.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: String?

    @Option(help: "The marking-server binary (default: $MARKING_SERVER, else the one next to marking-bench).")
    var server: String?

    @Option(help: "scripts/cluster.sh (default: found from the current folder or this executable's).")
    var script: String?

    @Option(help: "Event-loop threads of the load generator.")
    var clientThreads: Int = 1

    @Option(help: "Also write the summary as JSON to this file.")
    var json: String?

    @Flag(help: "Leave the cluster running (and its folder) at the end.")
    var keep = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard (1...65_535 - 4_102).contains(basePort) else { throw ValidationError("--base-port must leave room for N+4102") }
        guard (1...100_000_000).contains(codes), (1...10_000_000).contains(orderCodes) else {
            throw ValidationError("--codes must be 1...100,000,000 and --order-codes 1...10,000,000")
        }
        guard (1...10_000_000).contains(transferCodes) else { throw ValidationError("a document holds at most 10,000,000 codes") }
        guard (1...1_000_000_000).contains(lookupCodes), (1...10_000_000).contains(sample) else {
            throw ValidationError("--lookup-codes must be 1...1,000,000,000 and --sample 1...10,000,000")
        }
        guard concurrency >= ClusterUnderTest.replicas.count, rateConnections >= ClusterUnderTest.replicas.count, concurrency <= 4_096,
              rateConnections <= 4_096
        else { throw ValidationError("--concurrency and --rate-connections must be 3...4096 (spread over three replicas)") }
        guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be above 0 and at most 1,000,000") }
        guard (1...3_600).contains(duration), (0...600).contains(warmup) else { throw ValidationError("--duration 1...3600, --warmup 0...600") }
        guard (1...100_000).contains(writes), (0...20).contains(failoverRuns) else { throw ValidationError("--writes 1...100,000, --failover-runs 0...20") }
        guard (1...64).contains(pipelines), (1...64).contains(clientThreads) else { throw ValidationError("--pipelines and --client-threads must be 1...64") }
        if let only {
            let unknown = only.split(separator: ",").filter { Part(rawValue: String($0)) == nil }
            guard unknown.isEmpty else { throw ValidationError("unknown part(s) \(unknown.joined(separator: ",")); known: \(Part.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
    }

    var parts: [Part] {
        guard let only else { return Part.allCases }
        let chosen = Set(only.split(separator: ",").compactMap { Part(rawValue: String($0)) })
        return Part.allCases.filter(chosen.contains)
    }

    func run() async throws {
        try await reportingBenchErrors { try await measure() }
    }

    private func measure() async throws {
        let binary = try serverBinary()
        let script = try clusterScript()
        if !quiet { writeToStandardError("cluster: \(script) up (replicas: \(binary))\n") }
        let cluster = try await ClusterUnderTest.up(script: script, dir: dir, basePort: basePort, server: binary, quiet: quiet)
        let stopCluster = !keep && !cluster.wasRunning
        let embedded: ServerUnderTest
        do {
            embedded = try ServerUnderTest.start(binary: binary, parent: nil, quiet: quiet)
        } catch {
            if stopCluster { await cluster.down() }
            throw error
        }
        let stopOnSignal = ClusterSignalStop(embedded: embedded, cluster: stopCluster ? cluster : nil)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        var failure: (any Error)?
        do {
            var run = try ClusterRun(command: self, embedded: embedded, cluster: cluster, binary: binary, group: group)
            do {
                try await run.measure()
            } catch {
                // What was measured before the failure is still printed, and the failure with it.
                failure = error
                run.details.append("stopped early: \(error)")
                run.json["error"] = "\(error)"
            }
            try run.print(to: json)
        } catch {
            failure = failure ?? error
        }
        stopOnSignal.cancel()
        try? await group.shutdownGracefully()
        embedded.stop()
        if stopCluster {
            await cluster.down()
        } else {
            writeToStandardError(
                "cluster left running in \(cluster.dir): replicas \(cluster.replicaURLs.joined(separator: ",")); stop it with \(cluster.script) down --dir \(cluster.dir)\n")
        }
        if let failure { throw failure }
    }

    /// `--server`, else `$MARKING_SERVER`, else `marking-server` next to this executable, as an absolute path.
    private func serverBinary() throws(HTTPBenchError) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("marking-server").path
        let given = server ?? ProcessInfo.processInfo.environment["MARKING_SERVER"] ?? sibling
        let path = URL(fileURLWithPath: given, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HTTPBenchError(.server, "no marking-server at \(path): build it (swift build -c release) or pass --server PATH or set MARKING_SERVER")
        }
        return path
    }

    /// `--script`, else `scripts/cluster.sh` in the current folder or above this executable.
    private func clusterScript() throws(HTTPBenchError) -> String {
        if let script {
            guard FileManager.default.fileExists(atPath: script) else { throw HTTPBenchError(.options, "no \(script)") }
            return URL(fileURLWithPath: script).standardizedFileURL.path
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folders = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<6 {
            folders.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("scripts/cluster.sh").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw HTTPBenchError(.options, "cannot find scripts/cluster.sh: run from the repository or pass --script PATH")
    }
}

/// Stops the embedded server and the cluster this run started when the bench is
/// interrupted, so nothing is left running on a temporary folder.
final class ClusterSignalStop {
    private let sources: [any DispatchSourceSignal]

    init(embedded: ServerUnderTest, cluster: ClusterUnderTest?) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                embedded.stop()
                cluster?.downBlocking()
                writeToStandardError("interrupted: embedded server\(cluster == nil ? "" : " and cluster") stopped\n")
                exit(130)
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
