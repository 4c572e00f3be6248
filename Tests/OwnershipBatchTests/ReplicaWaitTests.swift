import MarkingCore
import OwnershipBatch
import Synchronization
import TestSupport
import Testing

/// A replica asked for a sequence (`X-Registry-Min-Sequence`) waits for its applied
/// sequence, not for its own reads of the log: the replica's applier thread reads
/// the same log, and what it applied counts even while the waiting reader fails.
@Suite("Waiting for a sequence on a replica")
struct ReplicaWaitTests {
    /// A log whose reads fail as while its stream elects a leader, except the reads of
    /// the replica's applier, which `applier` runs at the first failure: the wait's
    /// own reader never gets through, the applier does.
    final class FailingReader: ChangesetLog, Sendable {
        let log: MemoryLog
        /// Reads fail while set.
        let failing = Mutex<Bool>(false)
        /// The applier, run once at the first failed read.
        let applier = Mutex<(@Sendable () -> Void)?>(nil)
        private let applying = Mutex<Bool>(false)

        init(_ log: MemoryLog) { self.log = log }

        var maximumMessageBytes: Int { log.maximumMessageBytes }
        func append(_ message: [UInt8], expectedLast: UInt64) throws(LogAppendError) -> UInt64 {
            try log.append(message, expectedLast: expectedLast)
        }
        func lastSequence() throws(MarkingError) -> UInt64 { try log.lastSequence() }
        func trim(through sequence: UInt64) throws(MarkingError) { try log.trim(through: sequence) }

        func read(after sequence: UInt64, limit: Int, wait: Duration) throws(MarkingError) -> [LogMessage] {
            guard failing.withLock({ $0 }), !applying.withLock({ $0 }) else {
                return try log.read(after: sequence, limit: limit, wait: wait)
            }
            if let applier = applier.withLock({ body in defer { body = nil }; return body }) {
                applying.withLock { $0 = true }
                applier()
                applying.withLock { $0 = false }
            }
            throw MarkingError(.logUnavailable, "cannot read the log after \(sequence) now: the stream is electing a leader")
        }
    }

    @Test func aWaitSucceedsOnceTheApplierReachedTheSequenceWhileItsOwnReadsFail() throws {
        let log = MemoryLog()
        let a = try ReplicationTests.Replica(log: log, node: "a")
        let reader = FailingReader(log)
        let b = try ReplicationTests.Replica(log: reader, keyFile: a.folder + "/keys.json", node: "b")
        defer { a.close(); b.close() }
        let written = try a.directory.register(name: "Producer LLP", bin: validBIN(1), roles: [.producer])
        let sequence = a.store.appliedSequence
        #expect(b.store.appliedSequence < sequence)

        reader.failing.withLock { $0 = true }
        let store = b.store
        reader.applier.withLock { $0 = { _ = try? store.committer.catchUp() } }
        #expect(try b.store.committer.wait(for: sequence, timeout: .seconds(5)), "the applier reached \(sequence)")
        #expect(try b.directory.participant(written.id) != nil, "what A wrote is readable on B")
    }

    @Test func aWaitThatNobodyReachesReportsTheReadersFailure() throws {
        let log = MemoryLog()
        let a = try ReplicationTests.Replica(log: log, node: "a")
        let reader = FailingReader(log)
        let b = try ReplicationTests.Replica(log: reader, keyFile: a.folder + "/keys.json", node: "b")
        defer { a.close(); b.close() }
        _ = try a.directory.register(name: "Producer LLP", bin: validBIN(1), roles: [.producer])

        reader.failing.withLock { $0 = true }
        let error = #expect(throws: MarkingError.self) {
            try b.store.committer.wait(for: a.store.appliedSequence, timeout: .milliseconds(300))
        }
        #expect(error?.code == .logUnavailable)
        #expect(try b.store.committer.wait(for: b.store.appliedSequence, timeout: .zero), "a sequence already applied needs no read")
    }
}
