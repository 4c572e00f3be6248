import Foundation
import Logging
import MarkingCore
import TestSupport
import Testing

@testable import MarkingHTTP

/// A replica writes checkpoints on its own (`serve --checkpoint-every`), so the log can
/// be trimmed and a new replica started without an operator asking for one, and keeps
/// only the newest few.
@Suite("Scheduled checkpoints")
struct CheckpointScheduleTests {
    @Test func checkpointsFollowTheRegistryAndOnlyTheNewestAreKept() async throws {
        let temporary = TemporaryStore()
        defer { temporary.remove() }
        let store = try temporary.open(options: smallStoreOptions)
        defer { store.close() }
        let schedule = Task {
            await CheckpointSchedule(interval: .milliseconds(50), kept: 2).run(store: store, logger: Logger(label: "test"))
        }
        defer { schedule.cancel() }
        let checkpoints = RegistryCheckpoints(store: store)
        var seen: Set<UInt64> = []
        for _ in 0..<4 {
            _ = try store.nextID("order")
            let sequence = store.appliedSequence
            let deadline = ContinuousClock.now + .seconds(90)
            while try checkpoints.list().latest < sequence, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try checkpoints.list().latest == sequence, "a checkpoint at \(sequence) was written")
            seen.insert(sequence)
        }
        #expect(seen.count == 4)
        let listing = try checkpoints.list()
        #expect(listing.checkpoints.count == 2, "older checkpoints are removed: \(listing.checkpoints)")
        #expect(listing.checkpoints.map(\.sequence) == Array(seen.sorted().suffix(2)))
        for checkpoint in listing.checkpoints {
            #expect(FileManager.default.fileExists(atPath: checkpoint.path + "/db/CURRENT"))
        }
    }
}
