import Foundation

/// One benchmark's figures: printed as a table and written as a JSON summary.
struct BenchReport {
    var mode: String
    var rows: [(String, String)] = []
    var json: [String: Any] = [:]

    init(mode: String) {
        self.mode = mode
        json["mode"] = mode
        json["machine"] = ["cores": ProcessInfo.processInfo.activeProcessorCount]
    }

    mutating func add(_ label: String, _ value: String, key: String? = nil, json value2: Any? = nil) {
        rows.append((label, value))
        if let key { json[key] = value2 ?? value }
    }

    func print(to path: String?) throws {
        let width = rows.map(\.0.count).max() ?? 0
        Swift.print("\n\(mode)")
        Swift.print(String(repeating: "-", count: width + 22))
        for (label, value) in rows {
            Swift.print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
        if let path {
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
        }
    }
}

/// The process's peak resident set size (VmHWM), in bytes.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    return kilobytes * 1024
}

/// Resets the peak RSS so the next phase reports its own peak (Linux `clear_refs` 5).
func resetPeakResident() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// A temporary or given folder for benchmark stores.
struct BenchFolder {
    let path: String
    private let isTemporary: Bool

    init(_ given: String?) throws {
        if let given {
            path = given
            isTemporary = false
        } else {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("marking-bench-\(UUID().uuidString)").path
            isTemporary = true
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A fresh sub-folder for one store.
    func store(_ name: String) throws -> String {
        let store = path + "/" + name
        try? FileManager.default.removeItem(atPath: store)
        return store
    }

    func remove() {
        if isTemporary { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// Formats a number with thousands separators.
func grouped(_ value: Int) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.groupingSeparator = ","
    return formatter.string(from: NSNumber(value: value)) ?? String(value)
}
