import ConsoleProgress
import Foundation
import LoadClient

/// `marking-bench http transfer`: `--codes` codes ordered, downloaded to a file,
/// applied and introduced through documents (set-up), then one `TRANSFER` document of
/// all of them to a second participant, its code list streamed from the file as
/// `text/plain`, timed from the first byte sent until polling sees `CHECKED_OK`.
enum TransferScenario {
    static func run(_ context: LoadContext, into report: inout BenchReport) async throws {
        let command = context.command
        let codes = command.codes ?? 1_000_000
        let plan = LoadFixture.Plan(
            storeCodes: max(command.storeCodes ?? codes, codes), orderCodes: command.orderCodes, sampleSize: 0, slices: 1, sliceCodes: codes)
        let fixture = try await LoadFixture.build(plan, session: context.session, scratch: context.scratch, quiet: context.quiet)
        report.add("codes in store (this run)", grouped(fixture.storeCodes), key: "store_codes", json: fixture.storeCodes)
        report.add("set-up seconds", String(format: "%.1f", fixture.setupSeconds), key: "setup_seconds", json: fixture.setupSeconds)

        let file = fixture.introduced[0]
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let cpu = CPUShare(context.server)
        let timed = try await transfer(file: file, codes: codes, number: "bench-transfer-\(UUID().uuidString.prefix(8))", fixture: fixture, session: context.session)
        report.add("codes in the document", grouped(codes), key: "codes", json: codes)
        report.add("code list streamed (text/plain)", "\(bytes / 1_000_000) MB", key: "body_bytes", json: bytes)
        report.add("seconds to 202 (upload read by the server)", String(format: "%.2f", timed.accepted), key: "accepted_seconds", json: timed.accepted)
        report.add("seconds to CHECKED_OK (client, polling every 20 ms)", String(format: "%.2f", timed.checked), key: "seconds", json: timed.checked)
        if let server = timed.serverSeconds {
            report.add("seconds createdAt -> finishedAt (server, stamped before the final write)", String(format: "%.2f", server), key: "server_seconds", json: server)
        }
        report.add("codes/s to CHECKED_OK", grouped(Int(Double(codes) / timed.checked)), key: "codes_per_second", json: Double(codes) / timed.checked)
        cpu.add(to: &report, prefix: "transfer", key: "cpu_cores")
        report.add("target", "1,000,000-code transfer, streamed, CHECKED_OK in <= 15 s", key: "target_seconds", json: 15)
    }

    /// A transfer's times.
    struct Times: Sendable {
        /// Until the server answered 202 (the whole list read).
        var accepted: Double
        /// Until a poll saw `CHECKED_OK`.
        var checked: Double
        /// The document's own `createdAt` to `finishedAt`.
        var serverSeconds: Double?
    }

    /// Transfers the codes listed in `file` to the fixture's receiver and waits for the
    /// result; fails unless every code was applied.
    static func transfer(file: String, codes: Int, number: String, fixture: LoadFixture, session: APISession) async throws -> Times {
        let started = ContinuousClock.now
        let id = try await session.submitDocument(
            type: "TRANSFER", number: number, extra: "&receiver=\(fixture.receiver.id)", file: file, by: fixture.producer)
        let accepted = (ContinuousClock.now - started).seconds
        let answer = try await session.waitForDocument(id, by: fixture.producer)
        let checked = (ContinuousClock.now - started).seconds
        guard answer["state"] as? String == "CHECKED_OK", answer["applied"] as? Int == codes else {
            throw HTTPBenchError(
                .verification, "transfer document \(id) ended \(answer["state"] ?? "?") with \(answer["applied"] ?? 0) of \(codes) applied: \(answer["refusals"] ?? [:])")
        }
        return Times(accepted: accepted, checked: checked, serverSeconds: serverSeconds(answer))
    }

    /// `finishedAt - createdAt` of a document answer.
    static func serverSeconds(_ answer: [String: Any]) -> Double? {
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let created = (answer["createdAt"] as? String).flatMap({ try? format.parse($0) }),
              let finished = (answer["finishedAt"] as? String).flatMap({ try? format.parse($0) })
        else { return nil }
        return finished.timeIntervalSince(created)
    }
}
