import ArgumentParser
import ConsoleProgress
import LoadClient

/// Why `marking-bench http` stopped without a report, with a stable code that scripts
/// can match. Each ends the run with `error: <code>: <message>` and a non-zero exit.
struct HTTPBenchError: Error, CustomStringConvertible {
    enum Code: String {
        /// The options do not describe a run this tool can do.
        case options = "bench.options"
        /// The server could not be started, reached or stopped.
        case server = "bench.server"
        /// A set-up call (participants, product, orders, documents) was answered wrongly.
        case setup = "bench.setup"
        /// A response did not verify: wrong status, wrong body, wrong count of codes.
        case verification = "bench.verification"
        /// More than 0.1% of the measured requests failed: the run is not reported.
        case errorRate = "bench.error_rate"
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { "\(code.rawValue): \(message)" }

    /// The exit status: 3 when the run had too many errors, 1 otherwise.
    var exitCode: ExitCode { code == .errorRate ? ExitCode(3) : ExitCode(1) }
}

/// Runs a bench over HTTP, ending with one `error: ...` line and the error's exit code
/// for the failures the bench names (options, server, load generator).
func reportingBenchErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as HTTPBenchError {
        writeToStandardError("error: \(error)\n")
        throw error.exitCode
    } catch let error as LoadClientError {
        writeToStandardError("error: \(error)\n")
        throw ExitCode(1)
    }
}
