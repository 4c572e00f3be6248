import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

@Suite("marking-server serve")
struct ServeCommandTests {
    @Test("serve starts on the data folder, writes a 0600 admin token without printing it, answers, and stops on SIGTERM")
    func serveStartsAndStops() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (process, _, errorPipe) = try MarkingServerProcess.start(["serve", "--data", folder, "--port", "0"])
        defer { if process.isRunning { process.terminate() } }
        var log = ""
        var address: String?
        let deadline = Date().addingTimeInterval(60)
        while address == nil, Date() < deadline, process.isRunning {
            let data = errorPipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: #"serving (http://[0-9.]+:[0-9]+/api/v1)"#, options: .regularExpression) {
                address = String(log[range].dropFirst("serving ".count))
            }
        }
        let base = try #require(address, "no 'serving' line in: \(log)")
        let tokenPath = folder + "/admin-token"
        let attributes = try FileManager.default.attributesOfItem(atPath: tokenPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let token = try String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(log.contains(tokenPath))
        #expect(!log.contains(token))

        let (body, response) = try await URLSession.shared.data(from: try #require(URL(string: base + "/health")))
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("ok"))

        // A large upload sent the way curl sends it: head first, body only after `100 Continue`.
        let port = try #require(UInt16(base.split(separator: ":").last?.split(separator: "/").first ?? ""))
        let connection = try RawConnection(port: port)
        let json = #"{"code": "not a code", "comment": "reported over a waiting upload"}"#
        try connection.send(
            "POST /api/v1/violations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(json.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        let interim = try connection.receive(until: "\r\n\r\n")
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim)")
        try connection.send(json)
        let final = try connection.receive(until: "}")
        #expect(final.hasPrefix("HTTP/1.1 201"), "\(final)")

        process.terminate()  // SIGTERM: graceful shutdown
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let rest = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!rest.contains(token))
    }
}
