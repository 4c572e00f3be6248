import Emitter
import Foundation
import MarkingCore
import RocksDB
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `marking-server` executable, as a user would.
struct MarkingServerProcess {
    static var executable: URL {
        // The test bundle sits next to the executables in the build folder.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("marking-server")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: ".build/debug/marking-server")
    }

    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, output, error)
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let (process, output, error) = try start(arguments)
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
            standardError: String(decoding: err, as: UTF8.self))
    }
}

/// Every stored key of one GTIN's 13-character serials.
func storedKeys(folder: String, gtin: GTIN) throws -> Set<[UInt8]> {
    let store = try MarkingStore(dataFolder: folder)
    defer { store.close() }
    return Set(try store.entries(of: .codes, prefix: CodeKey.prefix(gtin: gtin, serialLength: 13)).keys)
}

@Suite(.serialized) struct EmitCommandTests {
    @Test(arguments: [
        (["--gtin", "0460700000001A", "--count", "5"], "expected a digit"),
        (["--gtin", "04607000000015", "--count", "5"], "check digit"),
        (["--gtin", "4607000000014", "--count", "5"], "padded"),
        (["--gtin", "04607000000014", "--count", "0"], "out of range"),
        (["--gtin", "04607000000014", "--count=-3"], "out of range"),
        (["--gtin", "04607000000014", "--count", "100000001"], "out of range"),
        (["--gtin", "04607000000014", "--count", "five"], "not a whole number"),
        (["--gtin", "04607000000014", "--count", "5", "--template", "s99"], "unknown template"),
    ])
    func badInputEndsWithOneLineErrorAndLeavesTheStoreAsItWas(arguments: [String], expected: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "10", "--data", folder, "--out", "/dev/null", "--quiet"])
        #expect(first.status == 0, "\(first.standardError)")
        let before = try storedKeys(folder: folder, gtin: try GTIN("04607000000014"))

        let outcome = try MarkingServerProcess.run(["emit"] + arguments + ["--data", folder, "--quiet"])
        #expect(outcome.status != 0)
        let lines = outcome.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains(expected), "\(outcome.standardError)")
        #expect(try storedKeys(folder: folder, gtin: try GTIN("04607000000014")) == before)
    }

    @Test func unreadableDataFolderIsAClearError() throws {
        let file = temporaryFolder()
        #expect(FileManager.default.createFile(atPath: file, contents: Data("not a folder".utf8)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let outcome = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "5", "--data", file])
        #expect(outcome.status != 0)
        #expect(outcome.standardError.hasPrefix("error: data folder"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a folder")
    }

    @Test func corruptKeyFileIsAClearErrorAndNothingIsWritten() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("{\"version\": 1, \"keys\": 12}".utf8).write(to: URL(fileURLWithPath: folder + "/keys.json"))
        let outcome = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "5", "--data", folder])
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("key file"))
        #expect(outcome.standardError.contains("corrupt"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/db"))
    }

    @Test func checkAcceptsGenuineCodesAndRefusesTamperedOnes() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let emitted = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "3", "--data", folder, "--quiet"])
        let firstLine = emitted.standardOutput.split(separator: "\n").first.map(String.init)
        let code = try #require(firstLine)
        let genuine = try MarkingServerProcess.run(["check", code, "--data", folder])
        #expect(genuine.status == 0, "\(genuine.standardError)")
        #expect(genuine.standardOutput.contains("EMITTED"))
        // The last tail character before the padding, changed: one code in 64 ends in "A=".
        let tampered = String(code.dropLast(2)) + (code.hasSuffix("A=") ? "B=" : "A=")
        let refused = try MarkingServerProcess.run(["check", tampered, "--data", folder])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("crypto tail does not match"))
        let unknown = try MarkingServerProcess.run(["check", "0104607000000014" + "21" + "ABCDEFGHIJKLM", "--data", folder])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("not known"))
        let malformed = try MarkingServerProcess.run(["check", "0104607000000015" + "21" + "ABCDEFGHIJKLM", "--data", folder])
        #expect(malformed.status != 0)
        #expect(malformed.standardError.contains("check digit"))
    }

    @Test func checkOfAKnownCISWithoutItsTailSaysTheTailIsMissing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let emitted = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "1", "--template", "s7-93", "--data", folder, "--quiet"])
        let code = try #require(emitted.standardOutput.split(separator: "\n").first.map(String.init))
        let cis = try CodeParser().parse(code).cis.description
        let outcome = try MarkingServerProcess.run(["check", cis, "--data", folder])
        #expect(outcome.status != 0)
        #expect(outcome.standardOutput.contains("tail:      missing"), "\(outcome.standardOutput)")
        #expect(outcome.standardError.contains("crypto tail is missing"), "\(outcome.standardError)")
    }

    @Test func emissionKilledMidwayHasPrintedOnlyCodesTheStoreKeeps() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let out = folder + "/codes.txt"
        // Two shards: generated without waiting for the writer, the second shard's
        // codes (from the middle of the range) would be printed long before their
        // records exist.
        let (process, _, _) = try MarkingServerProcess.start([
            "emit", "--gtin", "04607000000014", "--count", "20000000", "--shards", "2", "--data", folder + "/data", "--out", out, "--quiet",
        ])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            if size > 3_000_000 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        // The last line may be cut short by the kill.
        let lines = text.split(separator: "\n").dropLast()
        #expect(lines.count > 10_000, "the killed run printed codes before it died")
        let store = try MarkingStore(dataFolder: folder + "/data")
        defer { store.close() }
        var unknown = 0
        for line in lines where try store.record(for: try store.parser.parse(line).cis) == nil { unknown += 1 }
        #expect(unknown == 0, "\(unknown) of \(lines.count) printed codes are not in the store")
    }

    @Test func emissionKilledMidwayNeverLeadsToAReissuedSerial() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let gtin = try GTIN("04607000000014")
        let (process, _, _) = try MarkingServerProcess.start([
            "emit", "--gtin", gtin.description, "--count", "20000000", "--data", folder, "--out", "/dev/null", "--quiet",
        ])
        // Wait until the killed run has written some codes, then SIGKILL it.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            let walFiles = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/db")) ?? []
            let walBytes = walFiles.filter { $0.hasSuffix(".log") }.compactMap {
                try? FileManager.default.attributesOfItem(atPath: folder + "/db/" + $0)[.size] as? Int
            }.reduce(0, +)
            if walBytes > 5_000_000 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let before = try storedKeys(folder: folder, gtin: gtin)
        #expect(!before.isEmpty, "the killed run wrote codes before it died")
        let out = folder + "/codes.txt"
        let second = try MarkingServerProcess.run(["emit", "--gtin", gtin.description, "--count", "50000", "--data", folder, "--out", out, "--quiet"])
        #expect(second.status == 0, "\(second.standardError)")
        let after = try storedKeys(folder: folder, gtin: gtin)
        #expect(after.count == before.count + 50_000, "no new code landed on an existing one")

        let store = try MarkingStore(dataFolder: folder)
        defer { store.close() }
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 50_000)
        for line in lines {
            let key = store.key(for: try store.parser.parse(line).cis)
            #expect(!before.contains(key))
        }
    }
}

@Suite("marking-server job") struct JobCommandTests {
    /// Writes a job file with `fields` and a one-code list next to it in a fresh store
    /// folder, and runs `job` on it.
    func runJob(_ fields: [String: Any]) throws -> (MarkingServerProcess.Outcome, String) {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let emitted = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "1", "--data", folder, "--quiet"])
        #expect(emitted.status == 0, "\(emitted.standardError)")
        try Data(emitted.standardOutput.utf8).write(to: URL(fileURLWithPath: folder + "/codes.txt"))
        var description: [String: Any] = ["participant": 1, "number": "D-1", "codes": "codes.txt"]
        description.merge(fields) { $1 }
        let file = folder + "/job.json"
        try JSONSerialization.data(withJSONObject: description).write(to: URL(fileURLWithPath: file))
        return (try MarkingServerProcess.run(["job", file, "--data", folder, "--quiet"]), file)
    }

    @Test(arguments: [
        ("UTILISATION", "date", "2026-02-30"), ("UTILISATION", "date", "30.01.2026"), ("UTILISATION", "date", ""),
        ("INTRODUCTION", "customsDeclarationDate", "2026-1-15"), ("INTRODUCTION", "productionDate", "2026-13-01"),
    ])
    func aDateThatIsNotACalendarDayIsAFaultOfTheFile(type: String, field: String, value: String) throws {
        let (outcome, file) = try runJob(["type": type, field: value])
        #expect(outcome.status == 2, "\(outcome.standardError)")
        #expect(outcome.standardError == "error: document file \(file): \(field) '\(value)' is not a calendar date YYYY-MM-DD\n")
    }

    @Test func aShipmentWaitsForItsReceiverWhoAcceptsItOnTheCommandLine() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func run(_ arguments: [String]) throws -> MarkingServerProcess.Outcome {
            try MarkingServerProcess.run(arguments + ["--data", folder])
        }
        func bin(_ prefix: String) -> String { validBIN(completing: prefix)! }
        #expect(try run(["participants", "add", "--name", "Producer", "--bin", bin("04051200000"), "--role", "producer"]).status == 0)
        #expect(try run(["participants", "add", "--name", "Shop", "--bin", bin("04051200001"), "--role", "retailer"]).status == 0)
        let emitted = try run(["emit", "--gtin", "04607000000014", "--count", "3", "--producer", "1", "--quiet"])
        #expect(emitted.status == 0, "\(emitted.standardError)")
        try Data(emitted.standardOutput.utf8).write(to: URL(fileURLWithPath: folder + "/codes.txt"))
        let code = String(emitted.standardOutput.split(separator: "\n")[0])
        func job(_ fields: [String: Any]) throws -> MarkingServerProcess.Outcome {
            var description: [String: Any] = ["participant": 1, "number": "D-\(UUID().uuidString)", "codes": "codes.txt"]
            description.merge(fields) { $1 }
            try JSONSerialization.data(withJSONObject: description).write(to: URL(fileURLWithPath: folder + "/job.json"))
            return try run(["job", folder + "/job.json", "--quiet"])
        }
        #expect(try job(["type": "UTILISATION"]).status == 0)
        #expect(try job(["type": "INTRODUCTION"]).status == 0)
        let shipped = try job(["type": "TRANSFER", "receiver": 2, "acceptance": true])
        #expect(shipped.status == 0, "\(shipped.standardOutput)\(shipped.standardError)")
        #expect(shipped.standardOutput.contains("WAIT_ACCEPTANCE"), "\(shipped.standardOutput)")
        let id = try #require(shipped.standardOutput.split(separator: " ").dropFirst().first.map(String.init))
        let waiting = try run(["check", code])
        #expect(waiting.standardOutput.contains("owner:     1\n"))
        #expect(waiting.standardOutput.contains("shipment:  reserved by document \(id)"), "\(waiting.standardOutput)")

        let listed = try run(["shipment", "list", "--participant", "2"])
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.hasPrefix("document \(id) (TRANSFER "), "\(listed.standardOutput)")
        #expect(listed.standardOutput.contains("from participant 1: 3 codes waiting\n1 shipment waiting for participant 2"), "\(listed.standardOutput)")
        #expect(try run(["shipment", "list", "--participant", "1"]).standardOutput == "0 shipments waiting for participant 1\n")

        let bySender = try run(["shipment", "accept", id, "--participant", "1"])
        #expect(bySender.status == 1)
        #expect(bySender.standardError.hasPrefix("error: only the receiver"), "\(bySender.standardError)")
        let accepted = try run(["shipment", "accept", id, "--participant", "2"])
        #expect(accepted.status == 0, "\(accepted.standardError)")
        #expect(accepted.standardOutput.contains("CHECKED_OK"), "\(accepted.standardOutput)")
        #expect(try run(["check", code]).standardOutput.contains("owner:     2\n"))
        #expect(try run(["shipment", "list", "--participant", "2"]).standardOutput == "0 shipments waiting for participant 2\n")
        let late = try run(["shipment", "reject", id, "--participant", "2"])
        #expect(late.status == 1)
        #expect(late.standardError.contains("not a shipment waiting for acceptance"), "\(late.standardError)")
    }

    @Test func aRealDateGetsPastTheDateCheck() throws {
        // Participant 1 was never registered: the engine's next check is what refuses it.
        let (outcome, _) = try runJob(["type": "INTRODUCTION", "date": "2028-02-29", "productionDate": "2025-12-31"])
        #expect(outcome.status == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("participant 1 is not registered"), "\(outcome.standardError)")
    }
}

/// `emit --out` writes into what is at the path: a device stays a device, a link
/// stays a link (and its target gets the codes), a directory is refused.
@Suite("emit --out keeps what is at the path") struct EmitOutputTests {
    @Test func aDeviceAndALinkStayWhatTheyAre() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A character device of our own when we may make one (root), else /dev/null
        // itself; 1 << 8 | 3 is makedev(1, 3), a macro Swift does not import.
        var device = folder + "/null"
        if mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) != 0 { device = "/dev/null" }
        let emitted = try MarkingServerProcess.run(
            ["emit", "--gtin", "04607000000014", "--count", "10", "--data", folder + "/data", "--out", device, "--quiet"])
        #expect(emitted.status == 0, "\(emitted.standardError)")
        var status = stat()
        #expect(stat(device, &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "\(device) is still a character device")

        let target = folder + "/codes.txt", link = folder + "/link.txt"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let linked = try MarkingServerProcess.run(
            ["emit", "--gtin", "04607000000014", "--count", "10", "--data", folder + "/data", "--out", link, "--quiet"])
        #expect(linked.status == 0, "\(linked.standardError)")
        #expect(lstat(link, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK, "the link is still a link")
        #expect(try String(contentsOfFile: target, encoding: .utf8).split(separator: "\n").count == 10, "its target holds the codes")

        let directory = try MarkingServerProcess.run(
            ["emit", "--gtin", "04607000000014", "--count", "10", "--data", folder + "/data", "--out", folder, "--quiet"])
        #expect(directory.status != 0)
        #expect(directory.standardError.contains("is a directory"))
    }
}
