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
    /// The script and the pipe to its standard input.
    private let process: Mutex<(Process, Pipe)?>

    private init(port: Int, process: Process, input: Pipe) {
        self.port = port
        self.process = Mutex((process, input))
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "serve"]
        let errors = Pipe(), input = Pipe()
        process.standardError = errors
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        let port = PortAnnouncement()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                port.closed()
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            port.scan(text)
            if !quiet {
                for line in text.split(separator: "\n") where !line.hasPrefix("serving ") {
                    writeToStandardError("ceiling: \(line)\n")
                }
            }
        }
        do {
            try process.run()
        } catch {
            throw HTTPBenchError(.server, "cannot start \(script): \(error)")
        }
        // Installing nginx-light on a fresh machine may take a while.
        guard let found = port.wait(seconds: 300) else {
            process.terminate()
            process.waitUntilExit()
            throw HTTPBenchError(.server, "the nginx ceiling (\(script) serve) did not start listening")
        }
        return HTTPCeiling(port: found, process: process, input: input)
    }

    /// Stops nginx: the script stops it and removes its files when its standard input
    /// ends. Not a signal: children of `Process` here start with signals blocked or
    /// ignored (``SignalStop`` ignores SIGTERM and SIGINT), which bash cannot undo.
    /// Safe to call twice.
    func stop() {
        guard let (process, input) = process.withLock({ $0.take() }) else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
