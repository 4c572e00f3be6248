import Foundation
import MarkingCore
import Synchronization

/// One replica of the registry in a cluster: its own store, replicating every commit
/// to the JetStream log, and a thread that applies what other replicas append.
///
/// Any replica takes writes: its committer catches up with the log, validates, and
/// appends with the expected last sequence, so the log's order is the one order of
/// writes (see ``Committer``). Reads are answered from the replica's own store; a
/// client that wrote elsewhere asks for at least its write's sequence
/// (``Committer/wait(for:timeout:)``).
public final class Replica: Sendable {
    /// The node's name, as given with `--node`.
    public let node: String
    public let log: JetStreamLog
    private let store: MarkingStore
    private let running = Atomic<Bool>(true)
    private let stopped = DispatchSemaphore(value: 0)

    /// Joins the cluster whose NATS servers are at `urls` (`nats://host:port`, at
    /// least one), catches the store up with the log, and starts applying what others
    /// append. Throws ``ClusterError`` for a URL that is not one, an unreachable log,
    /// a stream with another replica count, or a store of another registry.
    public init(store: MarkingStore, urls: [String], node: String, replicas: Int = 3) throws(ClusterError) {
        guard !urls.isEmpty else { throw ClusterError(.invalidArgument, "--cluster needs at least one nats://host:port URL") }
        for url in urls {
            guard let parsed = URL(string: url), parsed.scheme == "nats", parsed.host != nil, parsed.port != nil else {
                throw ClusterError(.invalidArgument, "'\(url)' is not a NATS URL nats://host:port")
            }
        }
        guard !node.isEmpty, node.utf8.count <= 64, node.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ClusterError(.invalidArgument, "node name '\(node)' must be 1 to 64 letters, digits, '-' or '_'")
        }
        self.node = node
        self.store = store
        let recorded: String?
        do {
            recorded = try store.clusterIdentity()
        } catch {
            throw ClusterError(.foreignStore, "cannot read \(store.dataFolder): \(error.message)")
        }
        // Refused before the log is touched: nothing is created for a store that cannot join.
        if recorded == nil, store.appliedSequence > 0 {
            throw ClusterError(
                .foreignStore, "\(store.dataFolder) holds a single-node registry (\(store.appliedSequence) changesets); a replica starts on an empty folder or its own")
        }
        log = try JetStreamLog(urls: urls, name: node, replicas: replicas)
        let identity = "\(log.info.cluster?.name ?? "nats"):\(JetStreamLog.stream)"
        do {
            switch recorded {
            case nil:
                try store.recordClusterIdentity(identity)
            case let recorded? where recorded != identity:
                throw ClusterError(.foreignStore, "\(store.dataFolder) belongs to cluster \(recorded), not \(identity)")
            default:
                break
            }
            store.committer.replicate(to: log)
            try Self.catchUpAtStart(store)
            try Self.agreeOnKeys(store)
        } catch let error as ClusterError {
            log.close()
            throw error
        } catch let error as MarkingError where error.code == .keyMismatch {
            log.close()
            throw ClusterError(.keyMismatch, error.message)
        } catch {
            log.close()
            throw ClusterError(.unreachable, "cannot catch up with the log: \(error)")
        }
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) {
                do {
                    try store.committer.catchUp(wait: .milliseconds(500))
                } catch {
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            stopped.signal()
        }
        thread.name = "marking.replica.applier"
        thread.start()
    }

    /// Refuses to join when this node's key file does not extend the key ring the
    /// cluster recorded in its log (replicas' key rings must agree, or codes emitted on
    /// one replica read as forged on another); records this node's ring in the log when
    /// the cluster has none yet or this one is a rotation of it. Decided under the
    /// commit order, so two replicas joining at once agree on one ring.
    /// Applies what the log holds before the replica serves. A log that cannot be read
    /// for now (its stream or JetStream's meta group electing a leader after a fault,
    /// which a restart often follows) is read again for up to ``startBudget``, so a
    /// replica restarted into an election waits for it rather than exit.
    static func catchUpAtStart(_ store: MarkingStore) throws(MarkingError) {
        let deadline = ContinuousClock.now + startBudget
        while true {
            do {
                try store.committer.catchUp()
                return
            } catch where error.code == .logUnavailable && ContinuousClock.now < deadline {
                usleep(200_000)
            }
        }
    }

    /// How long a starting replica keeps trying to read the log.
    static let startBudget: Duration = .seconds(60)

    private static func agreeOnKeys(_ store: MarkingStore) throws {
        let own = store.keyFingerprint
        _ = try store.committer.commit { changeset throws(MarkingError) in
            let cluster = try store.clusterKeys()
            if let cluster, !own.extends(cluster) {
                throw MarkingError(
                    .keyMismatch,
                    "key file \(store.keyFilePath) does not match the cluster's key ring \(cluster.digest) (\(own.difference(from: cluster))): give every replica the same key file")
            }
            if own != cluster { changeset.putClusterKeys(own) }
        }
    }

    /// Stops applying the log and closes the connection.
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        stopped.wait()
        log.close()
    }

    /// The applied sequence, the log's last sequence when it answers, and whether it does.
    public func status() -> (applied: UInt64, logLast: UInt64?, reachable: Bool) {
        let last = try? log.lastSequence()
        return (store.appliedSequence, last, last != nil)
    }
}
