import Foundation
import NATS
import TestSupport
import Testing

/// The JetStream behaviour the replicated registry relies on, against a real
/// three-node nats-server cluster. Serialized: each test starts its own cluster, and
/// three at once would starve this 2-core machine into Raft election timeouts.
@Suite(.serialized)
struct JetStreamClusterTests {
    private func registry(replicas: Int = 3) -> StreamConfig {
        StreamConfig(name: "REGISTRY", subjects: ["registry.>"], replicas: replicas, maxMessageSize: 512 * 1024)
    }

    @Test func streamWithThreeReplicasReportsThem() throws {
        try withCluster { cluster in
            let connection = try NATSConnection(urls: cluster.urls)
            defer { connection.close() }
            let jetStream = try connection.jetStream()

            let created = try jetStream.ensureStream(registry())
            #expect(created.config.replicas == 3)
            #expect(created.config.maxMessageSize == 512 * 1024)
            #expect(created.config.subjects == ["registry.>"])
            #expect(created.lastSequence == 0)

            // A second ensure with other wishes reports the stream as it is, unchanged:
            // the caller decides to refuse it.
            let existing = try jetStream.ensureStream(registry(replicas: 1))
            #expect(existing.config.replicas == 3)
            #expect(existing.config.differences(from: registry(replicas: 1)) == ["replicas 3, expected 1"])
            #expect(existing.config.differences(from: registry()).isEmpty)

            let info = try jetStream.streamInfo("REGISTRY")
            let leader = try #require(info.cluster?.leader)
            #expect(cluster.nodes.map(\.name).contains(leader))
            #expect(info.cluster?.replicas.count == 2)

            // Creating it again with another replica count is refused, typed.
            #expect {
                try jetStream.createStream(registry(replicas: 1))
            } throws: { ($0 as? NATSError)?.code == .streamExists }

            #expect {
                try jetStream.streamInfo("NO_SUCH_STREAM")
            } throws: { ($0 as? NATSError)?.code == .streamNotFound }
        }
    }

    @Test func publishReturnsIncreasingSequences() throws {
        try withCluster { cluster in
            let connection = try NATSConnection(urls: cluster.urls)
            defer { connection.close() }
            let jetStream = try connection.jetStream()
            _ = try jetStream.ensureStream(registry())

            var sequences: [UInt64] = []
            for index in 0..<20 {
                sequences.append(try jetStream.publish(subject: "registry.changes", Array("change \(index)".utf8)))
            }
            #expect(sequences == Array(1...20))
            #expect(try jetStream.streamInfo("REGISTRY").lastSequence == 20)

            // The stream's maximum message size is enforced, with its own code.
            #expect {
                try jetStream.publish(subject: "registry.changes", [UInt8](repeating: 7, count: 600 * 1024))
            } throws: { ($0 as? NATSError)?.code == .messageTooLarge }
            #expect(try jetStream.streamInfo("REGISTRY").lastSequence == 20)
        }
    }

    @Test func expectedLastSequenceMismatchStoresNothing() throws {
        try withCluster { cluster in
            let connection = try NATSConnection(urls: cluster.urls)
            defer { connection.close() }
            let jetStream = try connection.jetStream()
            _ = try jetStream.ensureStream(registry())

            // 0 means "the stream is empty": nats.c's own option cannot say that.
            #expect(try jetStream.publish(subject: "registry.changes", [1], expectedLastSequence: 0) == 1)
            #expect(try jetStream.publish(subject: "registry.changes", [2], expectedLastSequence: 1) == 2)

            // A writer that validated at sequence 1 lost the race to the one above.
            let error = #expect(throws: NATSError.self) {
                try jetStream.publish(subject: "registry.changes", [3], expectedLastSequence: 1)
            }
            #expect(error?.code == .wrongLastSequence)
            #expect(error?.actualLastSequence == 2)
            #expect(error?.message == "publish on registry.changes failed: wrong last sequence: 2")
            #expect(error?.isTransient == false)
            #expect(error?.cause?.jetStreamCode == 10071)

            let stale = #expect(throws: NATSError.self) {
                try jetStream.publish(subject: "registry.changes", [3], expectedLastSequence: 0)
            }
            #expect(stale?.code == .wrongLastSequence)

            let info = try jetStream.streamInfo("REGISTRY")
            #expect(info.lastSequence == 2)
            #expect(info.messages == 2)
            #expect(try jetStream.message(stream: "REGISTRY", sequence: 3) == nil)

            // Caught up, it appends.
            #expect(try jetStream.publish(subject: "registry.changes", [3], expectedLastSequence: 2) == 3)
        }
    }

    @Test func messagesReadBackInOrderFromASequence() throws {
        try withCluster { cluster in
            let connection = try NATSConnection(urls: cluster.urls)
            defer { connection.close() }
            let jetStream = try connection.jetStream()
            _ = try jetStream.ensureStream(registry())

            var written: [(UInt64, [UInt8])] = []
            for index in 1...60 {
                let payload = Array("changeset \(index) ".utf8) + [UInt8](repeating: UInt8(index), count: index * 100)
                let sequence = try jetStream.publish(
                    subject: index.isMultiple(of: 2) ? "registry.documents" : "registry.orders", payload,
                    headers: ["Registry-Kind": index.isMultiple(of: 2) ? "document" : "order"])
                written.append((sequence, payload))
            }

            let reader = try jetStream.reader(stream: "REGISTRY", from: 25)
            defer { reader.close() }
            var read: [StreamMessage] = []
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while read.count < 36 && clock.now < deadline {
                read += try reader.next(maxMessages: 16, wait: .seconds(1))
            }
            #expect(read.map(\.sequence) == Array(25...60))
            #expect(read.map(\.bytes) == written[24...].map(\.1))
            #expect(read.first?.headers["Registry-Kind"] == ["order"])
            #expect(read.first?.subject == "registry.orders")
            #expect(reader.nextSequence == 61)
            #expect(reader.pending == 0)
            // Nothing more: a bounded wait, then an empty answer.
            #expect(try reader.next(wait: .milliseconds(200)).isEmpty)

            // New messages reach a waiting reader.
            let sequence = try jetStream.publish(subject: "registry.orders", [42])
            let more = try reader.next(wait: .seconds(5))
            #expect(more.map(\.sequence) == [sequence])

            // Reading by sequence gives the same message.
            let single = try #require(try jetStream.message(stream: "REGISTRY", sequence: 30))
            #expect(single.bytes == written[29].1)
            #expect(single.headers["Registry-Kind"] == ["document"])

            // Trimming behind a checkpoint at 40: 40 and after stay.
            try jetStream.purge(stream: "REGISTRY", upTo: 40)
            let trimmed = try jetStream.streamInfo("REGISTRY")
            #expect(trimmed.firstSequence == 40)
            #expect(trimmed.lastSequence == 61)
            #expect(try jetStream.message(stream: "REGISTRY", sequence: 39) == nil)
            let late = try jetStream.reader(stream: "REGISTRY", from: 1)
            defer { late.close() }
            #expect(try late.next(maxMessages: 1, wait: .seconds(5)).first?.sequence == 40)
        }
    }

    /// SIGKILL: the followers notice the silent leader only after nats-server's Raft
    /// election timeout, a random 4 to 9 s that no option changes (2.9.10 and later).
    /// SIGTERM: the leader hands over while shutting down; writes resume at once.
    @Test(arguments: [SIGKILL, SIGTERM])
    func writesResumeAfterTheStreamLeaderIsKilled(signal: Int32) throws {
        try withCluster { cluster in
            var options = ConnectionOptions()
            options.requestTimeout = .seconds(2)
            let connection = try NATSConnection(urls: cluster.urls, options: options)
            defer { connection.close() }
            let jetStream = try connection.jetStream()
            _ = try jetStream.ensureStream(registry())
            let reader = try jetStream.reader(stream: "REGISTRY", from: 1)
            defer { reader.close() }
            var last: UInt64 = 0
            for index in 0..<10 {
                last = try jetStream.publish(subject: "registry.changes", [UInt8(index)], expectedLastSequence: last)
            }
            let leader = try #require(try jetStream.streamInfo("REGISTRY").cluster?.leader)

            cluster.kill(leader, signal: signal)  // returns once the process is gone
            let clock = ContinuousClock()
            let killed = clock.now
            var sequence: UInt64?
            var errors: [NATSError.Code: Int] = [:]
            while sequence == nil && clock.now - killed < .seconds(20) {
                do {
                    sequence = try jetStream.publish(
                        subject: "registry.changes", [99], expectedLastSequence: last, messageID: "after-failover",
                        timeout: .seconds(1))
                } catch let error as NATSError where error.isTransient {
                    errors[error.code, default: 0] += 1
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            let failover = clock.now - killed
            print("signal \(signal) to stream leader \(leader): first write after \(failover); retried on \(errors)")
            #expect(sequence == 11)
            #expect(failover < (signal == SIGKILL ? .seconds(12) : .seconds(3)))

            let info = try jetStream.streamInfo("REGISTRY")
            #expect(info.cluster?.leader != leader)
            #expect(info.lastSequence == 11)

            // The reader's consumer may have lived on the killed server; it still
            // delivers every message once, in order.
            var read: [UInt64] = []
            let deadline = clock.now + .seconds(20)
            while read.count < 11 && clock.now < deadline {
                read += try reader.next(wait: .seconds(1)).map(\.sequence)
            }
            #expect(read == Array(1...11))
        }
    }

    @Test func unreachableServerFailsFastWithATypedError() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: NATSError.self) {
            try NATSConnection(urls: ["nats://127.0.0.1:1", "nats://127.0.0.1:2"])
        }
        #expect(error?.code == .connect)
        #expect(error?.message.contains("nats://127.0.0.1:1") == true)
        #expect(clock.now - start < .seconds(3))

        let none = #expect(throws: NATSError.self) { try NATSConnection(urls: []) }
        #expect(none?.code == .invalidArgument)
    }

    @Test func aServerWithoutJetStreamIsATypedError() throws {
        try withCluster(size: 1, jetStream: false) { server in
            var options = ConnectionOptions()
            options.requestTimeout = .seconds(2)
            let connection = try NATSConnection(urls: server.urls, options: options)
            defer { connection.close() }
            let jetStream = try connection.jetStream()
            let clock = ContinuousClock()
            let start = clock.now
            let error = #expect(throws: NATSError.self) { try jetStream.ensureStream(registry()) }
            #expect(error?.code == .unavailable)
            #expect(clock.now - start < .seconds(3))
            print("without JetStream: \(error.map(String.init(describing:)) ?? "-")")
        }
    }

    @Test func threeReplicasOnOneServerIsRefused() throws {
        try withCluster(size: 1) { server in
            let connection = try NATSConnection(urls: server.urls)
            defer { connection.close() }
            let jetStream = try connection.jetStream()
            let error = #expect(throws: NATSError.self) { try jetStream.ensureStream(registry()) }
            #expect(error?.code == .invalidStreamConfig)
            print("3 replicas on one server: \(error.map(String.init(describing:)) ?? "-")")
            #expect(try jetStream.ensureStream(registry(replicas: 1)).cluster?.leader == nil)
        }
    }

    @Test func aSilentServerFailsWithinTheConnectTimeout() throws {
        // Something listens but never speaks NATS (a wrong port, a hung process).
        let listener = try SilentListener()
        defer { listener.close() }
        var options = ConnectionOptions()
        options.connectTimeout = .seconds(1)
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: NATSError.self) {
            try NATSConnection(urls: ["nats://127.0.0.1:\(listener.port)"], options: options)
        }
        #expect(error?.code == .connect)
        #expect(clock.now - start < .seconds(4))
    }
}
