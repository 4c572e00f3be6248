import Foundation
import NATS

#if canImport(Glibc)
import Glibc
#endif

/// Three nats-server processes with JetStream, clustered over loopback routes, each
/// with its own store folder under one temporary folder (or, for the tests of a
/// misconfigured cluster, one server, possibly without JetStream).
///
/// Ports are picked free by the kernel, so tests may run while a development cluster
/// (scripts/cluster.sh) is up. Servers are started with posix_spawn so a test can
/// SIGKILL exactly one of them; a watchdog shell kills them all and removes the
/// folder if the test process dies without running ``stop()`` (a crash, a kill).
public final class TestCluster: Sendable {
    /// One nats-server process.
    public struct Node: Sendable {
        public let name: String
        public let clientPort: Int
        public let clusterPort: Int
        public let pid: pid_t
        public var url: String { "nats://127.0.0.1:\(clientPort)" }
    }

    public let directory: String
    public let nodes: [Node]
    public let jetStream: Bool
    private let watchdog: pid_t

    public var urls: [String] { nodes.map(\.url) }

    /// Starts the nodes; call ``waitUntilReady(timeout:)`` before using them.
    public init(size: Int = 3, jetStream: Bool = true) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nats-cluster-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ports = try freePorts(2 * size)
        let names = (1...size).map { "n\($0)" }
        let routes = (0..<size).map { "nats://127.0.0.1:\(ports[size + $0])" }.joined(separator: ",")
        let clusterName = "test-\(UUID().uuidString.prefix(8))"
        var nodes: [Node] = []
        for (index, name) in names.enumerated() {
            let store = directory + "/" + name
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            var arguments = [
                "nats-server", "-a", "127.0.0.1", "-p", String(ports[index]), "-n", name,
                "-l", directory + "/\(name).log",
            ]
            if jetStream { arguments += ["-js", "-sd", store] }
            if size > 1 {
                arguments += [
                    "--cluster_name", clusterName, "--cluster", "nats://127.0.0.1:\(ports[size + index])",
                    "--routes", routes,
                ]
            }
            let pid = try spawn(executable: try natsServerPath(), arguments: arguments)
            nodes.append(Node(name: name, clientPort: ports[index], clusterPort: ports[size + index], pid: pid))
        }
        let pids = nodes.map { String($0.pid) }.joined(separator: " ")
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            kill -9 \(pids) 2>/dev/null; rm -rf '\(directory)'
            """
        self.watchdog = try spawn(executable: "/bin/sh", arguments: ["sh", "-c", script])
        self.directory = directory
        self.nodes = nodes
        self.jetStream = jetStream
    }

    /// Waits until JetStream has a meta leader and every server as a peer: a stream
    /// with one replica per server can be created (and is deleted again). Without
    /// JetStream, until a client connects.
    public func waitUntilReady(timeout: Duration = .seconds(30)) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var lastError: (any Error)?
        while clock.now < deadline {
            for node in nodes where !isRunning(node.pid) {
                throw ClusterError("nats-server \(node.name) exited at start; log: \(log(of: node.name))")
            }
            do {
                let connection = try NATSConnection(urls: urls)
                defer { connection.close() }
                guard self.jetStream else { return }
                let jetStream = try connection.jetStream(requestTimeout: .seconds(2))
                let probe = StreamConfig(
                    name: "READY_PROBE", subjects: ["ready.probe"], replicas: nodes.count, storage: .memory)
                _ = try jetStream.ensureStream(probe)
                try jetStream.deleteStream(probe.name)
                return
            } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        throw ClusterError("JetStream cluster not ready after \(timeout): \(lastError.map { "\($0)" } ?? "-")")
    }

    /// Sends `signal` (SIGKILL unless told) to the node called `name` and reaps it.
    public func kill(_ name: String, signal: Int32 = SIGKILL) {
        guard let node = nodes.first(where: { $0.name == name }) else { return }
        Glibc.kill(node.pid, signal)
        var status: Int32 = 0
        waitpid(node.pid, &status, 0)
    }

    /// Kills every node and the watchdog and removes the folder.
    public func stop() {
        for node in nodes {
            Glibc.kill(node.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(node.pid, &status, 0)
        }
        Glibc.kill(watchdog, SIGKILL)
        var status: Int32 = 0
        waitpid(watchdog, &status, 0)
        if ProcessInfo.processInfo.environment["NATS_TEST_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    public func log(of name: String) -> String {
        (try? String(contentsOfFile: directory + "/\(name).log", encoding: .utf8))?.suffix(2000).description ?? ""
    }
}

/// Runs `body` with a ready cluster (three JetStream nodes unless told) that is
/// killed afterwards, whether `body` returns or throws. A start that loses a port
/// race is retried.
public func withCluster<R>(size: Int = 3, jetStream: Bool = true, _ body: (TestCluster) throws -> R) throws -> R {
    var attempt = 0
    while true {
        attempt += 1
        let cluster = try TestCluster(size: size, jetStream: jetStream)
        do {
            try cluster.waitUntilReady()
        } catch {
            cluster.stop()
            if attempt < 3 { continue }
            throw error
        }
        defer { cluster.stop() }
        return try body(cluster)
    }
}

struct ClusterError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func isRunning(_ pid: pid_t) -> Bool {
    var status: Int32 = 0
    return waitpid(pid, &status, WNOHANG) == 0
}

private func natsServerPath() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in path.split(separator: ":") + ["/usr/sbin", "/usr/local/bin"] {
        let candidate = "\(folder)/nats-server"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw ClusterError("nats-server is not installed (scripts/setup.sh installs it)")
}

/// Starts `executable` with stdin/stdout/stderr on /dev/null.
private func spawn(executable: String, arguments: [String]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd: Int32 in [0, 1, 2] {
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard result == 0 else { throw ClusterError("cannot start \(executable): errno \(result)") }
    return pid
}

/// A loopback TCP port that accepts connections (the kernel completes the handshake)
/// but never sends a byte.
public final class SilentListener: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = fd
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard ok else { throw ClusterError("cannot listen on a loopback port") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() { _ = Glibc.close(fd) }
}

/// `count` distinct loopback ports that were free a moment ago.
private func freePorts(_ count: Int) throws -> [Int] {
    var sockets: [Int32] = []
    defer { sockets.forEach { close($0) } }
    var ports: [Int] = []
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError("socket() failed") }
        sockets.append(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else { throw ClusterError("cannot bind a loopback port") }
        ports.append(Int(UInt16(bigEndian: address.sin_port)))
    }
    return ports
}
