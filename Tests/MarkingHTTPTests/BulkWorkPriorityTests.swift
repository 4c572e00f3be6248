#if os(Linux)
import Foundation
import MarkingHTTP
import Testing

/// Checks are answered first: bulk work (documents, emissions, downloads' parts) runs
/// on threads of its own below the store workers that read a check's record, and below
/// the event loops (nice 0). On Linux each libdispatch QoS has its own pool and nice
/// value, so these are facts about the threads, read from `/proc`.
@Suite("Bulk work runs below the checks")
struct BulkWorkPriorityTests {
    /// The nice value and the thread id of the thread running the call.
    static func thread() -> (nice: Int, id: Int) {
        let stat = (try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8)) ?? ""
        // After the command's closing parenthesis: state, ppid, …, priority, nice (the 17th).
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let id = Int(stat.split(separator: " ").first ?? "") ?? -1
        return (fields.count > 16 ? Int(fields[16]) ?? .min : .min, id)
    }

    @Test("Bulk work runs at a lower priority than the store workers and the event loops, on other threads")
    func bulkWorkIsBelowTheStoreWorkers() async throws {
        let temporary = try TemporaryService()
        defer { temporary.close() }
        let service = temporary.service
        var workerThreads = Set<Int>(), bulkThreads = Set<Int>()
        for _ in 0..<8 {
            let worker = try await service.workers.run { Self.thread() }
            let bulk = try await service.jobWorkers.run { Self.thread() }
            #expect(worker.nice <= 0, "a store worker runs at nice \(worker.nice)")
            #expect(bulk.nice > 0, "bulk work runs at nice \(bulk.nice), not below the event loops")
            #expect(bulk.nice > worker.nice)
            workerThreads.insert(worker.id)
            bulkThreads.insert(bulk.id)
        }
        #expect(workerThreads.isDisjoint(with: bulkThreads), "a store worker's thread also ran bulk work")
    }
}
#endif
