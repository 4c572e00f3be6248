import ConsoleProgress
import Foundation
import Synchronization

/// The machine's own HTTP ceiling for the run: nginx, one worker, answering every
/// request with a fixed 16-byte JSON on a loopback port, started by
/// `scripts/http-ceiling.sh serve` (the one place its configuration lives) and
/// measured with the same load generator, connections and client threads as the
/// server. On a shared 2-core machine absolute requests per second move by a third
/// from run to run; the server's ratio to this ceiling measured minutes apart does not.
final class HTTPCeiling: Sendable {
    let host = "127.0.0.1"
    let port: Int
    /// The script, with the pipe to its standard input.
    private let child: Mutex<ListeningChild?>

    private init(_ child: ListeningChild) {
        port = child.port
        self.child = Mutex(child)
    }

    /// The script's path: `given`, or `scripts/http-ceiling.sh` in the first folder
    /// above this executable or the working directory that holds one.
    static func script(_ given: String?) throws(HTTPBenchError) -> String {
        if let given {
            guard FileManager.default.isExecutableFile(atPath: given) else { throw HTTPBenchError(.options, "no executable ceiling script at \(given)") }
            return given
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        for start in [URL(fileURLWithPath: executable).deletingLastPathComponent(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var folder = start
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("scripts/http-ceiling.sh").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                folder.deleteLastPathComponent()
            }
        }
        throw HTTPBenchError(.options, "cannot find scripts/http-ceiling.sh above this executable or the working directory: pass --ceiling-script PATH")
    }

    /// Starts nginx through `script` and waits until it listens.
    static func start(script: String, quiet: Bool) throws(HTTPBenchError) -> HTTPCeiling {
        // Installing nginx-light on a fresh machine may take a while.
        let child = try ListeningChild.start(
            "/bin/bash", [script, "serve"], withInput: true, label: "ceiling", quiet: quiet, seconds: 300,
            named: "the nginx ceiling (\(script) serve)")
        return HTTPCeiling(child)
    }

    /// Stops nginx: the script stops it and removes its files when its standard input
    /// ends. Not a signal: children of `Process` here start with signals blocked or
    /// ignored (``SignalStop`` ignores SIGTERM and SIGINT), which bash cannot undo.
    /// Safe to call twice.
    func stop() {
        guard let child = child.withLock({ $0.take() }) else { return }
        try? child.input?.fileHandleForWriting.close()
        child.process.waitUntilExit()
    }
}
