import Dispatch
import Emitter
import Foundation
import MarkingCore
import OwnershipBatch
import Synchronization
import TestSupport
import Testing

/// Two replicas of one registry, each with its own store, sharing one log: the
/// properties the cluster needs, shown on a log in memory (the NATS tests show them
/// on JetStream).
@Suite("Replication through a changeset log")
struct ReplicationTests {
    /// A replica: its own store and engine, replicating to `log`.
    final class Replica: Sendable {
        let folder = temporaryFolder()
        let store: MarkingStore
        let engine: JobEngine
        let emitter: Emitter
        let directory: ParticipantDirectory

        init(log: any ChangesetLog, keyFile: String? = nil, checkpoint: String? = nil, node: String = "") throws {
            if let checkpoint {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: checkpoint + "/db", toPath: folder + "/db")
            }
            store = try MarkingStore(dataFolder: folder, keyFile: keyFile, options: smallStoreOptions)
            store.committer.replicate(to: log)
            try store.committer.catchUp()
            directory = ParticipantDirectory(store: store)
            emitter = try Emitter(store: store, node: node)
            engine = try JobEngine(store: store, parseShards: 2, node: node)
        }

        func close() {
            store.close()
            try? FileManager.default.removeItem(atPath: folder)
        }

        func introduced(_ count: Int, to owner: UInt32) throws -> [String] {
            try introducedCodes(count, to: owner, store: store, emitter: emitter, engine: engine)
        }

        func owner(_ code: String) throws -> UInt32? {
            try store.record(for: try store.parser.parse(code).cis)?.owner
        }
    }

    private func pair() throws -> (MemoryLog, Replica, Replica, producer: UInt32, receivers: [UInt32]) {
        let log = MemoryLog(maximumMessageBytes: 64 << 10)
        let a = try Replica(log: log, node: "a")
        let b = try Replica(log: log, keyFile: a.folder + "/keys.json", node: "b")
        let producer = try a.directory.register(name: "Producer LLP", bin: validBIN(1), roles: [.producer]).id
        let first = try b.directory.register(name: "Wholesale LLP", bin: validBIN(2), roles: [.wholesaler]).id
        let second = try a.directory.register(name: "Shop IE", bin: validBIN(3), roles: [.retailer]).id
        return (log, a, b, producer, [first, second])
    }

    @Test func writesOnEitherReplicaAreSeenOnBoth() throws {
        let (_, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        #expect(try a.directory.participant(receivers[0]) != nil, "a participant registered on B is on A")
        let codes = try a.introduced(50, to: producer)
        try b.store.committer.catchUp()
        #expect(try b.owner(codes[0]) == producer, "codes emitted on A are on B")
        let transfer = try b.engine.submit(
            DocumentRequest(type: .transfer, participant: producer, number: "T-1", receiver: receivers[0], codes: CodeList(codes)))
        #expect(transfer.state == .checkedOK)
        try a.store.committer.catchUp()
        #expect(try Set(codes.map { try a.owner($0) }) == [receivers[0]], "a transfer on B moves the codes on A")
        #expect(try a.store.digest() == b.store.digest())
        #expect(a.store.appliedSequence == b.store.appliedSequence)
    }

    @Test func overlappingTransfersOnTwoReplicasNeverBothSucceed() throws {
        let (_, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        let codes = try a.introduced(3_000, to: producer)
        try b.store.committer.catchUp()
        let results = Mutex<[Document]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let replica = index == 0 ? a : b
            let request = DocumentRequest(
                type: .transfer, participant: producer, number: "OVERLAP-\(index)", receiver: receivers[index],
                codes: CodeList(Array(codes[(index * 1_000)..<(index * 1_000 + 2_000)])))
            if let document = try? replica.engine.submit(request) { results.withLock { $0.append(document) } }
        }
        let documents = results.withLock { $0 }
        #expect(documents.count == 2)
        #expect(documents.filter { $0.state == .checkedOK }.count == 1, "exactly one of two overlapping transfers succeeds")
        try a.store.committer.catchUp()
        try b.store.committer.catchUp()
        #expect(try a.store.digest() == b.store.digest())
    }

    @Test func theSameDocumentNumberOnTwoReplicasAppliesOnce() throws {
        let (_, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        let codes = try a.introduced(10, to: producer)
        let request = DocumentRequest(type: .transfer, participant: producer, number: "INV-7", receiver: receivers[0], codes: CodeList(codes))
        let first = try a.engine.submit(request)
        let second = try b.engine.submit(request)
        #expect(first.state == .checkedOK)
        #expect(second.id == first.id, "the second replica returns the first document")
        try a.store.committer.catchUp()
        #expect(try a.store.digest() == b.store.digest())
    }

    @Test func largeChangesetsTravelInFramesAndAWriterStoppedMidwayLeavesNothing() throws {
        let (log, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        let codes = try a.introduced(5_000, to: producer)
        let before = log.count
        try b.store.committer.catchUp()
        let unchanged = try b.store.digest()
        log.failAfter(2)
        #expect(throws: MarkingError.self) {
            try a.engine.submit(
                DocumentRequest(type: .transfer, participant: producer, number: "BIG", receiver: receivers[0], codes: CodeList(codes)))
        }
        log.failAfter(nil)
        #expect(log.count > before, "some frames reached the log")
        try b.store.committer.catchUp()
        #expect(try Set(codes.map { try b.owner($0) }) == [producer], "no part of the stopped changeset is applied")
        // The next writer appends after the abandoned frames; every replica skips them.
        let retry = try b.engine.submit(
            DocumentRequest(type: .transfer, participant: producer, number: "BIG-2", receiver: receivers[0], codes: CodeList(codes)))
        #expect(retry.state == .checkedOK)
        try a.store.committer.catchUp()
        #expect(try Set(codes.map { try a.owner($0) }) == [receivers[0]])
        _ = unchanged
    }

    @Test func aReplicaRebuiltFromAnEmptyFolderConvergesToTheSameDigest() throws {
        let (log, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        let codes = try a.introduced(200, to: producer)
        _ = try b.engine.submit(
            DocumentRequest(type: .transfer, participant: producer, number: "T-9", receiver: receivers[1], codes: CodeList(Array(codes[0..<100]))))
        try a.store.committer.catchUp()
        let fresh = try Replica(log: log, keyFile: a.folder + "/keys.json")
        defer { fresh.close() }
        #expect(try fresh.store.digest() == a.store.digest())
        #expect(fresh.store.appliedSequence == UInt64(log.count))
    }

    @Test func aReplicaStartsFromACheckpointAndTheLogAfterItOnceTheLogIsTrimmed() throws {
        let (log, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        let codes = try a.introduced(500, to: producer)
        let scratch = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let held = try a.store.checkpoint(into: scratch + "/cp")
        #expect(held == a.store.appliedSequence)
        // Written after the checkpoint: only the log has it.
        _ = try b.engine.submit(
            DocumentRequest(type: .transfer, participant: producer, number: "AFTER", receiver: receivers[0], codes: CodeList(Array(codes[0..<50]))))
        try log.trim(through: held)

        let fromCheckpoint = try Replica(log: log, keyFile: a.folder + "/keys.json", checkpoint: scratch + "/cp")
        defer { fromCheckpoint.close() }
        try a.store.committer.catchUp()
        #expect(try fromCheckpoint.store.digest() == a.store.digest(), "checkpoint + the log after it = the registry")
        #expect(try fromCheckpoint.owner(codes[0]) == receivers[0])

        // An empty replica cannot start from a trimmed log: it is told to use a checkpoint.
        let error = #expect(throws: MarkingError.self) { try Replica(log: log, keyFile: a.folder + "/keys.json") }
        #expect(error?.code == .logTrimmed)
    }

    @Test func aReplicaStartingNeverInterruptsWorkInFlightOnAnother() throws {
        let (_, a, b, producer, receivers) = try pair()
        defer { a.close(); b.close() }
        let codes = try a.introduced(20, to: producer)
        let order = try a.emitter.reserve(
            EmissionRequest(gtin: try GTIN("04607000000014"), quantity: 10, template: try a.store.catalog.named("s13-91-92"), producer: producer))
        #expect(order.node == "a")
        try b.store.committer.catchUp()
        // B restarts its engines: A's order and A's documents are A's to recover.
        _ = try Emitter(store: b.store, node: "b")
        _ = try JobEngine(store: b.store, parseShards: 2, node: "b")
        #expect(try b.emitter.order(order.id)?.state == .inProgress)
        // A restarts: its own order was interrupted by its crash.
        _ = try Emitter(store: a.store, node: "a")
        try b.store.committer.catchUp()
        #expect(try b.emitter.order(order.id)?.state == .interrupted)
        // B derived the whole range from the log; A, stopped before writing it, writes
        // the rest at its restart: the copies agree.
        try a.store.committer.catchUp()
        #expect(try a.store.digest() == b.store.digest())
        _ = receivers
        _ = codes
    }
}
