import Foundation

/// One scenario of `marking-bench report`: the subcommand to run and how its JSON
/// becomes rows of the summary table.
struct ReportScenario: Sendable {
    /// One line of the summary: a figure beside the decree's requirement and the
    /// machine's own ceiling.
    struct Row: Sendable {
        var requirement: String
        var required: String
        var measured: String
        var ceiling: String
        var ratio: String
        /// Whether the figure meets the requirement or target it is set against.
        var holds: Bool?
    }

    /// What one run of a scenario gave.
    struct Result {
        var scenario: ReportScenario
        var command: String
        var status: Int32
        var printed: String
        var json: [String: Any]
        var seconds: Double
    }

    var name: String
    /// The subcommand's arguments, full size or quick.
    var arguments: @Sendable (_ quick: Bool) -> [String]
    /// Rows from the scenario's JSON; `others` holds the JSON of the scenarios run
    /// before it in the same report, by name, for ceilings measured in that run.
    var rows: @Sendable (_ json: [String: Any], _ others: [String: [String: Any]]) -> [Row]

    static let all: [ReportScenario] = [emission, transfer, lookup, httpEmission, httpLookup, httpTransfer, httpMixed]

    static let emission = ReportScenario(
        name: "emission",
        arguments: { quick in ["emission", "--codes", quick ? "2000000" : "20000000", "--with-codes"] },
        rows: { json, _ in
            let rate = json.double("codes_per_second"), ceiling = json.double("ceiling_codes_per_second")
            return [Row(
                requirement: "C21: 50 million codes a day (in process: records, serials, tails, synced)", required: "≥ 579 codes/s",
                measured: "\(grouped(Int(rate))) codes/s", ceiling: "\(grouped(Int(ceiling))) records/s (raw synced RocksDB writes)",
                ratio: ratio(rate, ceiling), holds: rate >= 579)]
        })

    static let transfer = ReportScenario(
        name: "transfer",
        arguments: { quick in
            quick ? ["transfer", "--codes", "100000", "--store-codes", "500000"] : ["transfer", "--codes", "1000000", "--store-codes", "5000000"]
        },
        rows: { json, _ in
            let seconds = json.double("seconds"), ceiling = json.double("ceiling_seconds"), retirement = json.double("retirement_seconds")
            let codes = grouped(json.int("codes"))
            return [
                Row(
                    requirement: "C25: owner change of \(codes) codes (in process, validation included, one synced batch)",
                    required: "≤ 180 s (target 2 s)", measured: String(format: "%.2f s", seconds),
                    ceiling: String(format: "%.2f s (MultiGet + synced batch of the same keys)", ceiling), ratio: ratio(seconds, ceiling),
                    holds: seconds <= 2),
                Row(
                    requirement: "Retirement of \(codes) codes (in process)", required: "—", measured: String(format: "%.2f s", retirement),
                    ceiling: String(format: "%.2f s", ceiling), ratio: ratio(retirement, ceiling), holds: nil),
            ] + (json.optionalDouble("acceptance_seconds").map { acceptance in
                [Row(
                    requirement: "Two-step owner change of \(codes) codes: the receiver's acceptance (in process)", required: "≤ 180 s",
                    measured: String(format: "%.2f s (shipment %.2f s)", acceptance, json.double("shipment_seconds")),
                    ceiling: String(format: "%.2f s", ceiling), ratio: ratio(acceptance, ceiling), holds: acceptance <= 180)]
            } ?? [])
        })

    static let lookup = ReportScenario(
        name: "lookup",
        arguments: { quick in ["lookup", "--sizes", quick ? "1M,10M" : "1M,10M,100M", "--lookups", quick ? "200000" : "1000000"] },
        rows: { json, _ in
            let sizes = json["sizes"] as? [[String: Any]] ?? []
            guard let smallest = sizes.first, let largest = sizes.last else { return [] }
            let small = smallest["warm"] as? [String: Any] ?? [:], large = largest["warm"] as? [String: Any] ?? [:]
            let ratio = json.double("warm_p99_ratio"), bytes = largest.double("codes_sst_bytes_per_code")
            let largeName = StoreSizes.short(largest.int("codes")), smallName = StoreSizes.short(smallest.int("codes"))
            return [
                Row(
                    requirement: "C22: information about a code within 5 s (in process: parse, read, tail verified), p99 at \(largeName) codes",
                    required: "≤ 5 s; target p99(\(largeName)) ≤ 2 × p99(\(smallName))",
                    measured: String(format: "p50 %.1f µs, p99 %.1f µs", large.double("p50_us"), large.double("p99_us")),
                    ceiling: String(format: "p99 %.1f µs at %@ codes (same run)", small.double("p99_us"), smallName),
                    ratio: String(format: "%.2f", ratio), holds: ratio <= 2),
                Row(
                    requirement: "C19: room for 10 billion codes — disk per code at \(largeName) codes, after compaction",
                    required: "target ≤ 24 bytes/code", measured: String(format: "%.2f bytes/code", bytes),
                    ceiling: String(format: "%.0f GB for 10 billion codes", bytes * 10), ratio: "—", holds: bytes <= 24),
            ]
        })

    static let httpEmission = ReportScenario(
        name: "http-emission",
        arguments: { quick in ["http", "emission", "--codes", quick ? "2000000" : "10000000"] },
        rows: { json, others in
            let rate = json.double("codes_per_second"), ceiling = others["emission"]?.double("codes_per_second") ?? 0
            return [Row(
                requirement: "C21: 50 million codes a day, over HTTP: orders placed and every code downloaded as text",
                required: "≥ 579 codes/s; target ≥ 500,000 codes/s", measured: "\(grouped(Int(rate))) codes/s",
                ceiling: ceiling > 0 ? "\(grouped(Int(ceiling))) codes/s in process (emission row)" : "—",
                ratio: ratio(rate, ceiling), holds: rate >= 500_000)]
        })

    static let httpLookup = ReportScenario(
        name: "http-lookup",
        arguments: { quick in ["http", "lookup", "--store-codes", quick ? "1000000" : "10000000"] },
        rows: { json, _ in
            var rows: [Row] = []
            let store = grouped(json.int("store_codes"))
            let ceilingRate = (json["ceiling"] as? [String: Any])?.double("requests_per_second") ?? 0
            let ceiling = ceilingRate > 0 ? "\(grouped(Int(ceilingRate))) requests/s (nginx, 1 worker, same load generator)" : "—"
            if let closed = json["closed_loop"] as? [String: Any] {
                let rate = closed.double("requests_per_second")
                let latency = closed["latency_ms"] as? [String: Any] ?? [:]
                rows.append(Row(
                    requirement: "C22: a code's information within 5 s — public checks over HTTP, fixed concurrency, \(store) codes",
                    required: "≤ 5 s; target ≥ 0.4 of the nginx ceiling",
                    measured: String(format: "%@ checks/s, p50 %.2f ms, p99 %.2f ms, %d errors", grouped(Int(rate)), latency.double("p50"), latency.double("p99"), closed.int("errors")),
                    ceiling: ceiling, ratio: ratio(rate, ceilingRate), holds: ceilingRate > 0 && rate / ceilingRate >= 0.4))
            }
            if let health = json["health"] as? [String: Any] {
                let rate = health.double("requests_per_second")
                rows.append(Row(
                    requirement: "The server's cheapest answer, `GET /health`, fixed concurrency", required: "target ≥ 0.6 of the nginx ceiling",
                    measured: String(format: "%@ requests/s, p99 %.2f ms", grouped(Int(rate)), (health["latency_ms"] as? [String: Any] ?? [:]).double("p99")),
                    ceiling: ceiling, ratio: ratio(rate, ceilingRate), holds: ceilingRate > 0 && rate / ceilingRate >= 0.6))
            }
            for run in json["fixed_rates"] as? [[String: Any]] ?? [] {
                let latency = run["latency_ms"] as? [String: Any] ?? [:]
                let share = run.optionalDouble("share_of_maximum")
                let p99 = latency.double("p99")
                rows.append(Row(
                    requirement: "Public checks at a fixed offered rate"
                        + (share.map { String(format: " (%.0f %% of the fixed-concurrency maximum)", $0 * 100) } ?? "")
                        + ", latency from the scheduled send",
                    required: share == 0.5 ? "p99 ≤ 5 ms, 0 errors" : "—",
                    measured: String(
                        format: "%@/s offered, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, %d errors", grouped(Int(run.double("offered_per_second"))),
                        latency.double("p50"), p99, latency.double("p99.9"), run.int("errors")),
                    ceiling: "—", ratio: "—", holds: share == 0.5 ? p99 <= 5 && run.int("errors") == 0 : nil))
            }
            return rows
        })

    static let httpTransfer = ReportScenario(
        name: "http-transfer",
        arguments: { quick in ["http", "transfer", "--codes", quick ? "100000" : "1000000"] },
        rows: { json, others in
            let seconds = json.double("seconds"), inProcess = others["transfer"]?.double("seconds") ?? 0
            return [Row(
                requirement: "C25: owner change of \(grouped(json.int("codes"))) codes over HTTP, code list streamed as text, until CHECKED_OK",
                required: "≤ 180 s; target ≤ 15 s", measured: String(format: "%.2f s", seconds),
                ceiling: inProcess > 0 ? String(format: "%.2f s in process (transfer row)", inProcess) : "—",
                ratio: ratio(seconds, inProcess), holds: seconds <= 15)]
        })

    static let httpMixed = ReportScenario(
        name: "http-mixed",
        arguments: { quick in ["http", "mixed", "--store-codes", quick ? "1000000" : "10000000", "--duration", quick ? "20" : "60"] },
        rows: { json, _ in
            let checks = json["checks"] as? [String: Any] ?? [:]
            let latency = checks["latency_ms"] as? [String: Any] ?? [:]
            let orders = json["orders"] as? [String: Any] ?? [:], transfers = json["transfers"] as? [String: Any] ?? [:]
            let transferSeconds = (transfers["seconds"] as? [NSNumber])?.map(\.doubleValue) ?? []
            return [Row(
                requirement: "A day's mix at once: checks at a fixed rate while orders are placed and downloaded and transfers run",
                required: "checks ≤ 5 s; transfers ≤ 180 s",
                measured: String(
                    format: "checks %@/s, p99 %.2f ms; %d orders; %d transfers, slowest %.2f s", grouped(Int(checks.double("requests_per_second"))),
                    latency.double("p99"), orders.int("count"), transfers.int("count"), transferSeconds.max() ?? 0),
                ceiling: "—", ratio: "—", holds: latency.double("p99") <= 5_000 && (transferSeconds.max() ?? 0) <= 180)]
        })

    /// `a / b` with two decimals, `—` when `b` is missing.
    static func ratio(_ value: Double, _ ceiling: Double) -> String {
        ceiling > 0 ? String(format: "%.2f", value / ceiling) : "—"
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A number at `key` (`0` when absent), whatever JSON numeric type it has.
    func double(_ key: String) -> Double { (self[key] as? NSNumber)?.doubleValue ?? 0 }
    func int(_ key: String) -> Int { (self[key] as? NSNumber)?.intValue ?? 0 }
    /// A number at `key`, `nil` when absent or not a number.
    func optionalDouble(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
}
