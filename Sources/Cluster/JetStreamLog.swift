import Glibc
import MarkingCore
import NATS
import Synchronization

/// The registry's ``ChangesetLog`` on a NATS JetStream stream: Raft-replicated on
/// the NATS servers, so an append is acknowledged only once a quorum stored it.
///
/// One stream, one subject. Appends carry JetStream's stream-level
/// `Nats-Expected-Last-Sequence` (the subject-level variant had a clustered-stream
/// bug in nats-server 2.9.15–2.9.20, nats-io/nats-server#4320), which is what makes
/// the log's order the one order of writes across replicas.
public final class JetStreamLog: ChangesetLog {
    /// The stream every replica of a registry appends to and reads.
    public static let stream = "REGISTRY"
    public static let subject = "registry.changesets"
    /// Messages are kept at most this large; a changeset above it goes as frames.
    public static let messageBytes = 512 << 10
    /// How long one request to the stream waits for its answer. While the stream
    /// elects a leader (4–9 s after its leader's server dies, fixed in nats-server
    /// 2.9) requests go unanswered; short attempts retried until ``electionBudget``
    /// let a write land within about this long after the election ends.
    static let attemptTimeout: Duration = .seconds(1)
    /// How long a request keeps being retried through an election before the caller
    /// is told the log is unavailable (`log.unavailable`, answered 503 with
    /// `Retry-After`): longer than the slowest election seen here.
    static let electionBudget: Duration = .seconds(15)

    private let connection: NATSConnection
    private let jetStream: JetStream
    /// The reader of the stream, recreated when asked for another position.
    private let reader = Mutex<StreamReader?>(nil)
    public let maximumMessageBytes = JetStreamLog.messageBytes
    /// The stream as it was found or created.
    public let info: StreamInfo
    /// Names this writer's messages apart from every other's.
    private let identity = UUIDText.random()
    private let appends = Atomic<UInt64>(0)

    /// Connects to the NATS servers at `urls` and finds (or creates) the stream
    /// with `replicas` replicas. Throws ``ClusterError`` when no server answers or the
    /// stream exists with another replica count. A cluster that answers but has no
    /// stream leader yet (an election after a fault) is waited for up to
    /// ``electionBudget``.
    public init(urls: [String], name: String, replicas: Int = 3) throws(ClusterError) {
        var options = ConnectionOptions()
        options.name = name
        options.maxReconnectAttempts = nil
        do {
            connection = try NATSConnection(urls: urls, options: options)
            jetStream = try connection.jetStream(requestTimeout: Self.attemptTimeout)
        } catch {
            throw ClusterError(.unreachable, "cannot reach the log at \(urls.joined(separator: ",")): \(error.message)")
        }
        let stream = StreamConfig(
            name: Self.stream, subjects: [Self.subject], replicas: replicas, maxMessageSize: Self.messageBytes + 1_024,
            duplicateWindow: .seconds(120), denyDelete: true)
        do {
            info = try Self.retrying(jetStream) { js throws(NATSError) in try js.ensureStream(stream) }
        } catch {
            connection.close()
            throw ClusterError(.unreachable, "cannot reach the log at \(urls.joined(separator: ",")): \(error.message)")
        }
        guard info.config.replicas == replicas else {
            connection.close()
            throw ClusterError(
                .wrongReplicas,
                "stream \(Self.stream) has \(info.config.replicas) replicas; the registry needs \(replicas)")
        }
    }

    public func close() {
        reader.withLock { $0?.close(); $0 = nil }
        connection.close()
    }

    /// Appends with a message id, so that an append whose acknowledgement was lost
    /// (a timeout, a leader that died) is retried without being stored twice: the
    /// server answers a repeated id with the first one's sequence.
    public func append(_ message: [UInt8], expectedLast: UInt64) throws(LogAppendError) -> UInt64 {
        let id = "\(identity)-\(expectedLast)-\(appends.add(1, ordering: .relaxed).newValue)"
        do {
            return try Self.retrying(jetStream) { js throws(NATSError) in
                try js.publish(subject: Self.subject, message, expectedLastSequence: expectedLast, messageID: id)
            }
        } catch where error.code == .wrongLastSequence {
            throw .moved(actualLast: error.actualLastSequence ?? 0)
        } catch where error.isTransient {
            throw .failed(Self.unavailable("the log did not store the changeset", error))
        } catch {
            throw .failed(MarkingError(.store, "the log refused the changeset: \(error)"))
        }
    }

    public func lastSequence() throws(MarkingError) -> UInt64 {
        do {
            return try Self.retrying(jetStream) { js throws(NATSError) in try js.streamInfo(Self.stream).lastSequence }
        } catch where error.isTransient {
            throw Self.unavailable("cannot read the log's last sequence", error)
        } catch {
            throw MarkingError(.store, "cannot read the log's last sequence: \(error.message)")
        }
    }

    /// Runs `body` again while it fails in a way that a leader election explains (a
    /// timeout, no server answering), for up to ``electionBudget``. Publishes are safe
    /// to repeat: they carry a message id, which the stream stores once.
    private static func retrying<T>(_ jetStream: JetStream, _ body: (JetStream) throws(NATSError) -> T) throws(NATSError) -> T {
        let deadline = ContinuousClock.now + electionBudget
        while true {
            do {
                return try body(jetStream)
            } catch where error.isTransient && ContinuousClock.now < deadline {
                // An answer that failed at once (no responders) is not retried in a spin.
                usleep(50_000)
                continue
            }
        }
    }

    private static func unavailable(_ what: String, _ error: NATSError) -> MarkingError {
        MarkingError(.logUnavailable, "\(what) within \(electionBudget): \(error.message); retry in a moment")
    }

    public func read(after sequence: UInt64, limit: Int, wait: Duration) throws(MarkingError) -> [LogMessage] {
        do {
            return try reader.withLock { reader throws(NATSError) -> [LogMessage] in
                if let current = reader, current.nextSequence != sequence + 1 {
                    current.close()
                    reader = nil
                }
                if reader == nil {
                    reader = try jetStream.reader(stream: Self.stream, subject: Self.subject, from: sequence + 1)
                }
                do throws(NATSError) {
                    let messages = try reader!.next(maxMessages: limit, wait: wait)
                    return messages.map { LogMessage(sequence: $0.sequence, bytes: $0.bytes) }
                } catch {
                    // A reader that failed is never used again: the next read makes a new one.
                    reader?.close()
                    reader = nil
                    throw error
                }
            }
        } catch where error.isTransient {
            throw MarkingError(.logUnavailable, "cannot read the log after \(sequence) now: \(error.message); retry in a moment")
        } catch {
            throw MarkingError(.store, "cannot read the log after \(sequence): \(error.message)")
        }
    }

    public func trim(through sequence: UInt64) throws(MarkingError) {
        do {
            try Self.retrying(jetStream) { js throws(NATSError) in try js.purge(stream: Self.stream, upTo: sequence + 1) }
        } catch {
            throw MarkingError(.store, "cannot trim the log through \(sequence): \(error.message)")
        }
    }

    /// Whether the connection to a NATS server is up.
    public var isReachable: Bool { connection.isConnected }
}

/// A random identifier as text.
enum UUIDText {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36) + String(generator.next() as UInt64, radix: 36)
    }
}
