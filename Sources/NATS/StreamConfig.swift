import CNATS

/// The configuration of a JetStream stream: what a caller asks for, and what the
/// server reports back.
///
/// Only the settings a replicated log needs are modelled. A caller that finds an
/// existing stream compares the reported ``replicas`` (and ``maxMessageSize``) with
/// what it needs and refuses to run on a stream that cannot keep its promises, rather
/// than silently changing it.
public struct StreamConfig: Sendable, Hashable {
    /// Where the servers keep the messages.
    public enum Storage: Sendable, Hashable {
        /// On disk: survives a server restart (the registry's log).
        case file
        /// In memory: for tests and caches.
        case memory
    }

    /// The stream's name (no `.`, `*`, `>` or spaces).
    public var name: String
    /// The subjects whose messages the stream stores, e.g. `["registry.>"]`.
    public var subjects: [String]
    /// How many servers keep a copy (1, 3 or 5); a publish is acknowledged once a
    /// majority has stored it.
    public var replicas: Int
    /// The largest message the stream accepts, in bytes; `nil` for no limit of the
    /// stream's own (the server's max payload still applies).
    public var maxMessageSize: Int?
    public var storage: Storage
    /// How long the server remembers message IDs to drop duplicate publishes; `nil`
    /// keeps the server's default (two minutes).
    public var duplicateWindow: Duration?
    /// Whether any replica (not only the leader) may answer reads by sequence.
    public var allowDirect: Bool
    /// Whether single messages may not be deleted (purging stays allowed).
    public var denyDelete: Bool

    public init(
        name: String, subjects: [String], replicas: Int = 1, maxMessageSize: Int? = nil,
        storage: Storage = .file, duplicateWindow: Duration? = nil, allowDirect: Bool = false,
        denyDelete: Bool = false
    ) {
        self.name = name
        self.subjects = subjects
        self.replicas = replicas
        self.maxMessageSize = maxMessageSize
        self.storage = storage
        self.duplicateWindow = duplicateWindow
        self.allowDirect = allowDirect
        self.denyDelete = denyDelete
    }

    /// The settings in which this (existing) configuration differs from `wanted`,
    /// one phrase each, e.g. "replicas 1, expected 3": what a caller prints when it
    /// refuses to run on a stream it did not create. Empty when they agree on name,
    /// subjects, replicas, maximum message size and storage.
    public func differences(from wanted: StreamConfig) -> [String] {
        var differences: [String] = []
        func check<T: Equatable>(_ what: String, _ actual: T, _ expected: T, _ show: (T) -> String) {
            if actual != expected { differences.append("\(what) \(show(actual)), expected \(show(expected))") }
        }
        check("name", name, wanted.name) { $0 }
        check("subjects", subjects.sorted(), wanted.subjects.sorted()) { $0.joined(separator: ",") }
        check("replicas", replicas, wanted.replicas) { String($0) }
        check("max message size", maxMessageSize, wanted.maxMessageSize) { $0.map(String.init) ?? "unlimited" }
        check("storage", storage, wanted.storage) { "\($0)" }
        return differences
    }

    /// Calls `body` with the C form of this configuration; its strings live as long
    /// as `strings`.
    func withC<R>(_ strings: CStrings, _ body: (UnsafeMutablePointer<jsStreamConfig>) -> R) -> R {
        var config = jsStreamConfig()
        jsStreamConfig_Init(&config)
        config.Name = strings.copy(name)
        config.Subjects = strings.array(subjects)
        config.SubjectsLen = Int32(subjects.count)
        config.Replicas = Int64(replicas)
        config.MaxMsgSize = maxMessageSize.map { Int32(clamping: $0) } ?? -1
        config.Storage = storage == .memory ? js_MemoryStorage : js_FileStorage
        if let duplicateWindow { config.Duplicates = duplicateWindow.wholeNanoseconds }
        config.AllowDirect = allowDirect
        config.DenyDelete = denyDelete
        return body(&config)
    }

    init(_ config: jsStreamConfig) {
        let subjects = (0..<Int(config.SubjectsLen)).compactMap { string(config.Subjects[$0]) }
        self.init(
            name: string(config.Name) ?? "", subjects: subjects, replicas: Int(config.Replicas),
            maxMessageSize: config.MaxMsgSize < 0 ? nil : Int(config.MaxMsgSize),
            storage: config.Storage == js_MemoryStorage ? .memory : .file,
            duplicateWindow: config.Duplicates > 0 ? .nanoseconds(config.Duplicates) : nil,
            allowDirect: config.AllowDirect, denyDelete: config.DenyDelete)
    }
}

/// A stream's configuration and state as its leader reported them.
///
/// ``lastSequence`` is what a writer passes as the expected last sequence of its
/// next publish; ``cluster`` names the leader, which is what a fault test kills.
public struct StreamInfo: Sendable, Hashable {
    public var config: StreamConfig
    /// Messages stored now (after purges).
    public var messages: UInt64
    public var bytes: UInt64
    /// The lowest sequence still stored; everything before it was purged.
    public var firstSequence: UInt64
    /// The sequence of the last message ever stored (0 for a new stream). Purging
    /// does not lower it.
    public var lastSequence: UInt64
    public var consumers: Int
    /// The replica group, on a clustered server; `nil` on a single server.
    public var cluster: StreamCluster?

    init(_ info: UnsafeMutablePointer<jsStreamInfo>) {
        let info = info.pointee
        config = info.Config.map { StreamConfig($0.pointee) } ?? StreamConfig(name: "", subjects: [])
        messages = info.State.Msgs
        bytes = info.State.Bytes
        firstSequence = info.State.FirstSeq
        lastSequence = info.State.LastSeq
        consumers = Int(info.State.Consumers)
        cluster = info.Cluster.map { StreamCluster($0.pointee) }
    }
}

/// The servers that keep a stream's replicas.
public struct StreamCluster: Sendable, Hashable {
    /// The NATS cluster's name.
    public var name: String?
    /// The server that currently leads the stream (orders and acknowledges its
    /// writes); `nil` during an election.
    public var leader: String?
    /// The other replicas, as the leader sees them.
    public var replicas: [StreamPeer]

    init(_ cluster: jsClusterInfo) {
        name = string(cluster.Name)
        leader = string(cluster.Leader).flatMap { $0.isEmpty ? nil : $0 }
        replicas = (0..<Int(cluster.ReplicasLen)).compactMap { index in
            cluster.Replicas[index].map { StreamPeer($0.pointee) }
        }
    }
}

/// One follower of a stream, as its leader sees it.
public struct StreamPeer: Sendable, Hashable {
    /// The server's name.
    public var name: String
    /// Whether it has every entry the leader has.
    public var current: Bool
    /// Whether the leader has lost contact with it.
    public var offline: Bool
    /// How many entries it is behind.
    public var lag: UInt64
    /// Time since the leader last heard from it.
    public var lastActive: Duration

    init(_ peer: jsPeerInfo) {
        name = string(peer.Name) ?? ""
        current = peer.Current
        offline = peer.Offline
        lag = peer.Lag
        lastActive = .nanoseconds(peer.Active)
    }
}
