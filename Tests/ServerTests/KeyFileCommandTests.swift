import Foundation
import MarkingCore
import TestSupport
import Testing

/// The commands that open a store refuse one whose key file is missing or another.
@Suite("Key file on the command line", .serialized)
struct KeyFileCommandTests {
    @Test("check, emit and job refuse a store whose key file is missing, naming both paths, and create no keys")
    func missingKeyFile() throws {
        try withTemporaryDirectory { folder in
            let emitted = try MarkingServerProcess.run(["emit", "--gtin", "04607000000014", "--count", "2", "--data", folder, "--quiet"])
            let code = try #require(emitted.standardOutput.split(separator: "\n").first.map(String.init))
            try FileManager.default.moveItem(atPath: folder + "/keys.json", toPath: folder + "/keys.json.away")
            for arguments in [["check", code], ["emit", "--gtin", "04607000000014", "--count", "2", "--quiet"]] {
                let outcome = try MarkingServerProcess.run(arguments + ["--data", folder])
                #expect(outcome.status != 0, "\(arguments[0])")
                #expect(outcome.standardError.contains(folder + "/keys.json is missing"), "\(outcome.standardError)")
                #expect(outcome.standardError.contains(folder + "/db"), "\(outcome.standardError)")
                #expect(!FileManager.default.fileExists(atPath: folder + "/keys.json"))
            }
            _ = try KeyFile.create(at: folder + "/keys.json")
            let other = try MarkingServerProcess.run(["check", code, "--data", folder])
            #expect(other.status != 0)
            #expect(other.standardError.contains("does not match"), "\(other.standardError)")
            try FileManager.default.removeItem(atPath: folder + "/keys.json")
            try FileManager.default.moveItem(atPath: folder + "/keys.json.away", toPath: folder + "/keys.json")
            #expect(try MarkingServerProcess.run(["check", code, "--data", folder]).status == 0)
        }
    }
}
