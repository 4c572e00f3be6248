import ArgumentParser

/// `marking-bench`: measures the engine as its users load it, beside the raw ceiling
/// of the same machine measured in the same run.
@main
struct MarkingBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marking-bench",
        abstract: "Measure the marking engine against this machine's own storage ceiling.",
        subcommands: [
            EmissionBenchmark.self, CeilingBenchmark.self, TransferBenchmark.self, LookupBenchmark.self, HTTPBenchmark.self,
            ReportBenchmark.self, ClusterBenchmark.self, AnalyticsBenchmark.self,
        ]
    )
}

/// Options shared by every benchmark.
struct BenchOptions: ParsableArguments {
    @Option(help: "A folder for the benchmark's stores (default: a new temporary folder, removed afterwards).")
    var data: String?

    @Option(help: "Also write the summary as JSON to this file.")
    var json: String?

    @Flag(help: "No progress output.")
    var quiet = false
}
