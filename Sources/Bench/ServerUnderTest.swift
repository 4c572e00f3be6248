import ConsoleProgress
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server a load run talks to: one already running (`--url`), or a
/// `marking-server serve` child process started from the same build folder on a
/// temporary data folder and a free port, stopped and removed afterwards. A separate
/// process is the honest set-up: the load generator shares the machine with the
/// server, not its address space, allocator or scheduler.
final class ServerUnderTest: Sendable {
    let host: String
    let port: Int
    let adminToken: String
    /// The child process's id, `nil` for a server started elsewhere.
    let pid: Int32?
    private let process: Mutex<Process?>
    /// This run's temporary folder: the child's data and the load generator's own
    /// files (code lists); ``stop()`` removes it.
    private let folder: String

    private init(host: String, port: Int, adminToken: String, process: Process?, folder: String) {
        self.host = host
        self.port = port
        self.adminToken = adminToken
        self.pid = process?.processIdentifier
        self.process = Mutex(process)
        self.folder = folder
    }

    /// A server that is already running at `url` (`http://127.0.0.1:PORT`, loopback only).
    static func running(url: String, adminToken: String) throws(HTTPBenchError) -> ServerUnderTest {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host,
              let port = components.port
        else { throw HTTPBenchError(.options, "--url must look like http://127.0.0.1:PORT") }
        guard ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) else {
            throw HTTPBenchError(.options, "--url must be a loopback address: this tool loads only the local machine")
        }
        return ServerUnderTest(
            host: host == "localhost" ? "127.0.0.1" : host, port: port, adminToken: adminToken, process: nil,
            folder: FileManager.default.temporaryDirectory.path + "/marking-http-bench-\(UUID().uuidString)")
    }

    /// Starts `marking-server serve` from the folder of this executable on a fresh data
    /// folder (under `parent` when given, else the temporary folder; removed by
    /// ``stop()`` either way) and any free port, and waits until it listens.
    /// `arguments` go after `serve`'s own.
    static func start(binary given: String?, parent: String?, quiet: Bool, arguments: [String] = []) throws(HTTPBenchError) -> ServerUnderTest {
        let binary = given ?? Self.siblingBinary()
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw HTTPBenchError(.server, "no marking-server at \(binary): build it (swift build -c release) or pass --server PATH or --url")
        }
        let base = parent ?? FileManager.default.temporaryDirectory.path
        let folder = base + "/marking-http-bench-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HTTPBenchError(.server, "cannot create the data folder \(folder): \(error)")
        }
        let token = "bench-" + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 36) }.joined()
        var environment = ProcessInfo.processInfo.environment
        environment["MARKING_ADMIN_TOKEN"] = token
        do {
            // Unlimited rates: the bench drives all its load from one address and few tokens.
            let child = try ListeningChild.start(
                binary,
                ["serve", "--data", folder + "/data", "--host", "127.0.0.1", "--port", "0", "--anonymous-rate", "0", "--token-rate", "0"] + arguments,
                environment: environment, label: "server", quiet: quiet, seconds: 60, named: "marking-server (\(binary))")
            return ServerUnderTest(host: "127.0.0.1", port: child.port, adminToken: token, process: child.process, folder: folder)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// `marking-server` next to the running executable.
    private static func siblingBinary() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("marking-server").path
    }

    /// The base URL of the API.
    var base: String { "http://\(host):\(port)/api/v1" }

    /// A folder for the load generator's own files (code lists), inside this run's
    /// temporary folder.
    func scratchFolder() throws(HTTPBenchError) -> String {
        let folder = folder + "/client"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HTTPBenchError(.server, "cannot create \(folder): \(error)")
        }
        return folder
    }

    /// CPU seconds (user + system) the child server has used so far; `nil` for a
    /// server started elsewhere.
    func cpuSeconds() -> Double? {
        guard let pid else { return nil }
        return Self.cpuSeconds(statPath: "/proc/\(pid)/stat")
    }

    /// CPU seconds of this process so far.
    static func ownCPUSeconds() -> Double? {
        cpuSeconds(statPath: "/proc/self/stat")
    }

    /// CPU seconds the whole machine has been busy (all cores, every process).
    static func machineBusySeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return nil }
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func cpuSeconds(statPath: String) -> Double? {
        guard let text = try? String(contentsOfFile: statPath, encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; utime and stime are 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The child's peak resident set, in bytes; `nil` for a server started elsewhere.
    func peakResidentBytes() -> Int? {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }

    /// Stops the child (SIGTERM, then SIGKILL after 30 s), if there is one, and removes
    /// this run's temporary folder. Safe to call twice.
    func stop() {
        if let process = process.withLock({ $0.take() }), process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
