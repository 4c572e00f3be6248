import ArgumentParser
import Foundation

/// `marking-bench report`: every scenario in one go, written as markdown for
/// BENCHMARKS.md — each figure beside the decree's requirement, the ceiling of this
/// machine measured in the same run, the ratio, and the exact command.
///
/// Each scenario runs as a child process of this same executable with `--json`, so
/// one scenario's memory, threads and page cache state do not leak into the next in
/// the same address space, and every row of the report can be re-run alone with the
/// command printed beside it.
struct ReportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Run every scenario and write BENCHMARKS.md-ready markdown.")

    @Option(help: "Where to write the markdown.")
    var output: String = "BENCHMARKS.md"

    @Flag(help: "About a tenth of the full sizes, for a quick look (the report says so; not the acceptance figures).")
    var quick = false

    @Option(help: "Run only these scenarios, comma-separated (default: all). Known: \(ReportScenario.all.map(\.name).joined(separator: ", ")).")
    var only: String?

    @Flag(help: "No progress output from the scenarios.")
    var quiet = false

    func validate() throws {
        if let only {
            let known = Set(ReportScenario.all.map(\.name))
            let unknown = only.split(separator: ",").map(String.init).filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError("unknown scenario(s) \(unknown.joined(separator: ", ")); known: \(known.sorted().joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let chosen = only.map { Set($0.split(separator: ",").map(String.init)) }
        let scenarios = ReportScenario.all.filter { chosen?.contains($0.name) ?? true }
        let folder = try BenchFolder(nil)
        defer { folder.remove() }
        let executable = try Self.ownExecutable()
        let started = Date()
        var results: [ReportScenario.Result] = []
        for (index, scenario) in scenarios.enumerated() {
            let arguments = scenario.arguments(quick) + ["--json", folder.path + "/\(scenario.name).json"] + (quiet ? ["--quiet"] : [])
            FileHandle.standardError.write(Data("[\(index + 1)/\(scenarios.count)] marking-bench \(arguments.joined(separator: " "))\n".utf8))
            let clock = ContinuousClock.now
            let (status, printed) = try Self.runChild(executable, arguments)
            let seconds = (ContinuousClock.now - clock).seconds
            let json = (try? Data(contentsOf: URL(fileURLWithPath: folder.path + "/\(scenario.name).json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            results.append(ReportScenario.Result(
                scenario: scenario, command: "marking-bench " + scenario.arguments(quick).joined(separator: " "),
                status: status, printed: printed, json: json, seconds: seconds))
        }
        let markdown = ReportMarkdown(results: results, quick: quick, started: started, finished: Date()).render()
        try markdown.write(toFile: output, atomically: true, encoding: .utf8)
        print("wrote \(output) (\(results.count) scenarios, \(results.filter { $0.status != 0 }.count) failed)")
        if results.contains(where: { $0.status != 0 }) { throw ExitCode(1) }
    }

    /// The path of the running executable, so children are this very build.
    static func ownExecutable() throws -> String {
        let path = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        guard FileManager.default.isExecutableFile(atPath: path) else { throw ValidationError("cannot find this executable at \(path)") }
        return path
    }

    /// Runs one scenario, passing its standard output through while keeping a copy;
    /// standard error (progress) goes straight to ours.
    static func runChild(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var printed = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            FileHandle.standardOutput.write(chunk)
            printed.append(chunk)
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }
}
