import Foundation

/// The markdown of a `marking-bench report` run: the summary against the decree, the
/// commands, and each scenario's own printed table.
struct ReportMarkdown {
    var results: [ReportScenario.Result]
    var quick: Bool
    var started: Date
    var finished: Date

    func render() -> String {
        var lines: [String] = []
        lines.append("# Benchmarks")
        lines.append("")
        lines.append("One run of `marking-bench report\(quick ? " --quick" : "")`, \(Self.day(started)), \(Self.machine()).")
        lines.append(String(format: "It took %.0f minutes.", finished.timeIntervalSince(started) / 60))
        if quick {
            lines.append("")
            lines.append("**Quick run:** about a tenth of the full sizes; not the acceptance figures.")
        }
        lines.append("")
        lines.append(
            "The machine is a shared virtual one: absolute figures move by 20–30 % from run to run. Each figure therefore "
                + "stands beside a ceiling measured by the same run on the same machine (raw RocksDB work with none of the "
                + "engine's logic, or the server's cheapest answer), and the ratio is the figure that holds across runs.")
        lines.append("")
        lines.append("## Against the decree")
        lines.append("")
        lines.append("| Requirement (decree No. 672) | Required | Measured | Ceiling, same run | Ratio | Holds |")
        lines.append("|---|---|---|---|---|---|")
        var others: [String: [String: Any]] = [:]
        for result in results {
            defer { others[result.scenario.name] = result.json }
            guard result.status == 0 else {
                lines.append("| \(result.scenario.name) | — | **failed** (exit \(result.status)) | — | — | no |")
                continue
            }
            for row in result.scenario.rows(result.json, others) {
                let holds = row.holds.map { $0 ? "yes" : "**no**" } ?? ""
                lines.append("| \(row.requirement) | \(row.required) | \(row.measured) | \(row.ceiling) | \(row.ratio) | \(holds) |")
            }
        }
        lines.append("")
        lines.append("## Commands")
        lines.append("")
        lines.append("Built with `swift build -c release`; each line below re-runs one row (add `--json FILE` for its figures).")
        lines.append("")
        lines.append("```sh")
        for result in results { lines.append(String(format: "%@   # %.0f s", result.command, result.seconds)) }
        lines.append("```")
        lines.append("")
        lines.append("## What each scenario printed")
        for result in results {
            lines.append("")
            lines.append("### \(result.scenario.name)")
            lines.append("")
            lines.append("```text")
            lines.append(result.printed.trimmingCharacters(in: .whitespacesAndNewlines))
            lines.append("```")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-11-22 14:05 UTC`.
    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// Cores, memory and CPU model, from the system.
    static func machine() -> String {
        let info = ProcessInfo.processInfo
        let memory = Double(info.physicalMemory) / Double(1 << 30)
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return String(format: "%d cores (%@), %.0f GiB", info.activeProcessorCount, cpu, memory)
    }
}
