import Foundation
import MarkingHTTP
import TestSupport
import Testing

@Suite("Admin token")
struct AdminTokenTests {
    func folder() throws -> String {
        let path = temporaryFolder()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("Generated on first start into a 0600 file, read back on the next")
    func generated() throws {
        let data = try folder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try AdminToken.load(dataFolder: data, environment: [:])
        let path = data + "/admin-token"
        #expect(first.source == .file(path: path, created: true))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let secret = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("mkt_"))
        #expect(first.matches(BearerSecret(text: secret)))
        #expect(!first.matches(BearerSecret(text: secret + "x")))
        #expect(!first.logLine.contains(secret))
        #expect(first.logLine.contains(path))
        let second = try AdminToken.load(dataFolder: data, environment: [:])
        #expect(second.source == .file(path: path, created: false))
        #expect(second.matches(BearerSecret(text: secret)))
    }

    @Test("MARKING_ADMIN_TOKEN wins over the file, and must be long enough")
    func environment() throws {
        let data = try folder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let token = try AdminToken.load(dataFolder: data, environment: ["MARKING_ADMIN_TOKEN": "a-long-enough-admin-token"])
        #expect(token.source == .environment)
        #expect(token.matches(BearerSecret(text: "a-long-enough-admin-token")))
        #expect(!FileManager.default.fileExists(atPath: data + "/admin-token"))
        #expect(!token.logLine.contains("a-long-enough-admin-token"))
        #expect(throws: AdminTokenError.self) { try AdminToken.load(dataFolder: data, environment: ["MARKING_ADMIN_TOKEN": "short"]) }
    }
}
