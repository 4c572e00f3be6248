import ConsoleProgress
import Foundation
import Synchronization

/// A child process a run starts and talks to over HTTP, which prints the port it
/// listens on to standard error (`serving http://HOST:PORT/…`): `marking-server serve`
/// (``ServerUnderTest``) and the nginx ceiling (``HTTPCeiling``). One way to start,
/// read and wait for both.
struct ListeningChild {
    let process: Process
    /// The port it announced.
    let port: Int
    /// The pipe to its standard input, when it was given one: a child that runs until
    /// its input ends is stopped by closing it.
    let input: Pipe?

    /// Starts `executable` and waits up to `seconds` until it announces its port.
    /// Its standard error is read for as long as it runs (a pipe nobody drains would
    /// block it on its next log line) and echoed as `label: line` unless `quiet`;
    /// standard output is discarded. `named` says what it is in errors. A child that
    /// does not announce a port in time is terminated.
    static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, withInput: Bool = false,
        label: String, quiet: Bool, seconds: Double, named name: String
    ) throws(HTTPBenchError) -> ListeningChild {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let errors = Pipe()
        let input = withInput ? Pipe() : nil
        process.standardError = errors
        if let input { process.standardInput = input }
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
                    writeToStandardError("\(label): \(line)\n")
                }
            }
        }
        do {
            try process.run()
        } catch {
            throw HTTPBenchError(.server, "cannot start \(name): \(error)")
        }
        guard let found = port.wait(seconds: seconds) else {
            process.terminate()
            process.waitUntilExit()
            throw HTTPBenchError(.server, "\(name) did not start listening within \(Int(seconds)) s")
        }
        return ListeningChild(process: process, port: found, input: input)
    }
}

/// The port a starting child prints on standard error (`serving http://HOST:PORT/…`).
final class PortAnnouncement: Sendable {
    private let state = Mutex<(text: String, port: Int?, closed: Bool)>(("", nil, false))

    func scan(_ text: String) {
        state.withLock { state in
            guard state.port == nil else { return }
            state.text += text
            guard let range = state.text.range(of: "serving http://") else { return }
            let rest = state.text[range.upperBound...]
            guard let colon = rest.firstIndex(of: ":") else { return }
            let afterColon = rest[rest.index(after: colon)...]
            let digits = afterColon.prefix(while: \.isNumber)
            // The number is whole once the path after it has arrived too.
            guard afterColon.dropFirst(digits.count).hasPrefix("/") else { return }
            state.port = Int(digits)
        }
    }

    func closed() { state.withLock { $0.closed = true } }

    func wait(seconds: Double) -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let (port, closed) = state.withLock { ($0.port, $0.closed) }
            if let port { return port }
            if closed { return nil }
            usleep(20_000)
        }
        return nil
    }
}
