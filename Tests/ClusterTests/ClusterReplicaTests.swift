import Cluster
import Dispatch
import Emitter
import Foundation
import MarkingCore
import NATS
import OwnershipBatch
import Synchronization
import TestSupport
import Testing

/// Replicas of one registry on a three-node NATS JetStream cluster started on free
/// loopback ports: the log is the source of truth, any replica takes writes, and
/// every replica applies the same changesets in the same order.
@Suite("Replicated cluster on NATS JetStream", .serialized)
struct ClusterReplicaTests {
    /// An engine replica in this process: its own store, joined to the cluster.
    final class Node: Sendable {
        let folder: String
        let store: MarkingStore
        let replica: Replica
        let engine: JobEngine
        let emitter: Emitter
        let directory: ParticipantDirectory

        init(_ name: String, cluster: TestCluster, folder: String = temporaryFolder(), keyFile: String? = nil) throws {
            self.folder = folder
            store = try MarkingStore(dataFolder: folder, keyFile: keyFile, options: smallStoreOptions)
            do {
                replica = try Replica(store: store, urls: cluster.urls, node: name)
            } catch {
                store.close()
                throw error
            }
            directory = ParticipantDirectory(store: store)
            emitter = try Emitter(store: store)
            engine = try JobEngine(store: store, parseShards: 2)
        }

        func close(removing: Bool = true) {
            replica.stop()
            store.close()
            if removing { try? FileManager.default.removeItem(atPath: folder) }
        }

        func introduced(_ count: Int, to owner: UInt32) throws -> [String] {
            try introducedCodes(count, to: owner, store: store, emitter: emitter, engine: engine)
        }

        func owners(_ codes: [String]) throws -> Set<UInt32?> {
            Set(try codes.map { try store.record(for: try store.parser.parse($0).cis)?.owner })
        }

        /// Waits until this replica has applied `sequence`.
        func reach(_ sequence: UInt64) throws {
            #expect(try store.committer.wait(for: sequence, timeout: .seconds(20)), "replica reached \(sequence)")
        }
    }

    /// Two replicas on a fresh cluster with three participants registered.
    private func withTwoReplicas(_ body: (TestCluster, Node, Node, UInt32, [UInt32]) throws -> Void) throws {
        try withCluster { cluster in
            try cluster.waitUntilReady()
            let a = try Node("a", cluster: cluster)
            defer { a.close() }
            let b = try Node("b", cluster: cluster, keyFile: a.folder + "/keys.json")
            defer { b.close() }
            let producer = try a.directory.register(name: "Producer LLP", bin: validBIN(1), roles: [.producer]).id
            let first = try b.directory.register(name: "Wholesale LLP", bin: validBIN(2), roles: [.wholesaler]).id
            let second = try a.directory.register(name: "Shop IE", bin: validBIN(3), roles: [.retailer]).id
            try body(cluster, a, b, producer, [first, second])
        }
    }

    @Test func writesOnEitherReplicaAreSeenOnBoth() throws {
        try withTwoReplicas { _, a, b, producer, receivers in
            let codes = try a.introduced(100, to: producer)
            try b.reach(a.store.appliedSequence)
            #expect(try b.owners(codes) == [producer])
            let transfer = try b.engine.submit(
                DocumentRequest(type: .transfer, participant: producer, number: "T-1", receiver: receivers[0], codes: CodeList(codes)))
            #expect(transfer.state == .checkedOK)
            try a.reach(b.store.appliedSequence)
            #expect(try a.owners(codes) == [receivers[0]])
            #expect(try a.store.digest() == b.store.digest())
        }
    }

    @Test func overlappingTransfersOnTwoReplicasNeverBothSucceed() throws {
        try withTwoReplicas { _, a, b, producer, receivers in
            let codes = try a.introduced(2_000, to: producer)
            try b.reach(a.store.appliedSequence)
            for round in 0..<3 {
                let results = Mutex<[Document]>([])
                let slice = Array(codes[(round * 600)..<(round * 600 + 600)])
                DispatchQueue.concurrentPerform(iterations: 2) { index in
                    let node = index == 0 ? a : b
                    let request = DocumentRequest(
                        type: .transfer, participant: producer, number: "R\(round)-\(index)", receiver: receivers[index],
                        codes: CodeList(slice))
                    if let document = try? node.engine.submit(request) { results.withLock { $0.append(document) } }
                }
                let documents = results.withLock { $0 }
                #expect(documents.count == 2)
                #expect(documents.filter { $0.state == .checkedOK }.count == 1, "round \(round): exactly one succeeds")
            }
            let last = max(a.store.appliedSequence, b.store.appliedSequence)
            try a.reach(last)
            try b.reach(last)
            #expect(try a.store.digest() == b.store.digest())
        }
    }

    @Test func theSameDocumentNumberOnTwoReplicasAppliesOnce() throws {
        try withTwoReplicas { _, a, b, producer, receivers in
            let codes = try a.introduced(20, to: producer)
            let request = DocumentRequest(type: .transfer, participant: producer, number: "INV-1", receiver: receivers[1], codes: CodeList(codes))
            let first = try a.engine.submit(request)
            let second = try b.engine.submit(request)
            #expect(first.state == .checkedOK)
            #expect(second.id == first.id)
            try a.reach(b.store.appliedSequence)
            #expect(try a.store.digest() == b.store.digest())
        }
    }

    @Test func killingTheStreamLeaderPausesWritesBriefly() throws {
        try withTwoReplicas { cluster, a, b, producer, receivers in
            let codes = try a.introduced(50, to: producer)
            let info = try #require(a.replica.log.info.cluster)
            let leader = try JetStreamLogProbe.leader(urls: cluster.urls) ?? info.leader
            cluster.kill(try #require(leader))
            let started = ContinuousClock.now
            var moved: Document?
            while moved == nil, ContinuousClock.now - started < .seconds(30) {
                moved = try? b.engine.submit(
                    DocumentRequest(type: .transfer, participant: producer, number: "AFTER-KILL", receiver: receivers[0], codes: CodeList(codes)))
                if moved == nil { Thread.sleep(forTimeInterval: 0.2) }
            }
            let failover = ContinuousClock.now - started
            #expect(moved?.state == .checkedOK, "a write succeeds after the leader is killed")
            #expect(failover < .seconds(15), "first write \(failover) after the kill")
            try a.reach(b.store.appliedSequence)
            #expect(try a.owners(codes) == [receivers[0]])
        }
    }

    /// With two of three NATS servers gone the stream has no quorum and cannot elect
    /// a leader: a write is retried through the election budget, then refused with
    /// the retryable `log.unavailable` (answered 503 with Retry-After), not a store
    /// failure, and nothing of it is applied.
    @Test func aWriteWithoutALogQuorumIsRefusedAsUnavailableAndChangesNothing() throws {
        try withTwoReplicas { cluster, a, b, producer, receivers in
            let codes = try a.introduced(30, to: producer)
            try b.reach(a.store.appliedSequence)
            let before = try a.store.digest()
            for node in cluster.nodes.dropFirst() { cluster.kill(node.name) }
            let refused = #expect(throws: MarkingError.self) {
                try a.engine.submit(
                    DocumentRequest(type: .transfer, participant: producer, number: "NO-QUORUM", receiver: receivers[0], codes: CodeList(codes)))
            }
            #expect(refused?.code == .logUnavailable)
            #expect(try a.owners(codes) == [producer])
            #expect(try a.store.digest() == before, "nothing applied")
        }
    }

    @Test func aReplicaRebuiltFromAnEmptyFolderConverges() throws {
        try withTwoReplicas { cluster, a, b, producer, receivers in
            let codes = try a.introduced(300, to: producer)
            _ = try b.engine.submit(
                DocumentRequest(type: .transfer, participant: producer, number: "T-2", receiver: receivers[1], codes: CodeList(Array(codes[0..<150]))))
            try a.reach(b.store.appliedSequence)
            let fresh = try Node("c", cluster: cluster, keyFile: a.folder + "/keys.json")
            defer { fresh.close() }
            try fresh.reach(a.store.appliedSequence)
            #expect(try fresh.store.digest() == a.store.digest())
        }
    }

    @Test func aReplicaWithAnotherKeyFileRefusesToJoinAndARotationIsTakenUp() throws {
        try withCluster { cluster in
            try cluster.waitUntilReady()
            let a = try Node("a", cluster: cluster)
            defer { a.close() }
            #expect(try a.store.clusterKeys() == a.store.keyFingerprint, "the first replica records its ring in the log")
            let stranger = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: stranger) }
            let refused = #expect(throws: ClusterError.self) { try Node("b", cluster: cluster, folder: stranger) }
            #expect(refused?.code == .keyMismatch)
            #expect(refused?.message.contains(stranger + "/keys.json") == true, "\(refused?.message ?? "")")
            // A rotation of the cluster's ring joins, and the cluster takes up the new ring.
            let rotated = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: rotated) }
            try FileManager.default.createDirectory(atPath: rotated, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: a.folder + "/keys.json", toPath: rotated + "/keys.json")
            try KeyFile.rotate(at: rotated + "/keys.json")
            let c = try Node("c", cluster: cluster, folder: rotated + "/data", keyFile: rotated + "/keys.json")
            defer { c.close() }
            try a.reach(c.store.appliedSequence)
            #expect(try a.store.clusterKeys() == c.store.keyFingerprint)
        }
    }

    @Test func badClusterSettingsAreClearErrorsAndWriteNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
        defer { store.close() }
        let before = try store.digest()
        let listener = try SilentListener()
        defer { listener.close() }
        let notAURL = #expect(throws: ClusterError.self) { try Replica(store: store, urls: ["http://127.0.0.1:4222"], node: "a") }
        #expect(notAURL?.code == .invalidArgument)
        let unreachable = #expect(throws: ClusterError.self) {
            try Replica(store: store, urls: ["nats://127.0.0.1:\(listener.port)"], node: "a")
        }
        #expect(unreachable?.code == .unreachable)
        #expect(try store.digest() == before, "nothing written")

        try withCluster { cluster in
            try cluster.waitUntilReady()
            // A store that holds a single-node registry cannot join, and nothing is
            // created on the cluster for it.
            _ = try store.nextID("order")
            let foreign = #expect(throws: ClusterError.self) { try Replica(store: store, urls: cluster.urls, node: "a") }
            #expect(foreign?.code == .foreignStore)
            #expect(try JetStreamLogProbe.leader(urls: cluster.urls) == nil, "no stream was created")
            // A stream with another replica count is refused.
            let connection = try NATSConnection(urls: cluster.urls)
            defer { connection.close() }
            _ = try connection.jetStream().createStream(
                StreamConfig(name: JetStreamLog.stream, subjects: [JetStreamLog.subject], replicas: 1))
            let other = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: other) }
            let empty = try MarkingStore(dataFolder: other, options: smallStoreOptions)
            defer { empty.close() }
            let wrong = #expect(throws: ClusterError.self) { try Replica(store: empty, urls: cluster.urls, node: "b") }
            #expect(wrong?.code == .wrongReplicas)
        }
    }
}

/// Asks the cluster which server leads the registry stream.
enum JetStreamLogProbe {
    static func leader(urls: [String]) throws -> String? {
        let connection = try NATSConnection(urls: urls)
        defer { connection.close() }
        do {
            return try connection.jetStream().streamInfo(JetStreamLog.stream).cluster?.leader
        } catch where error.code == .streamNotFound {
            return nil
        }
    }
}
