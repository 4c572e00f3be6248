/// Why a replica cannot join or keep up with its cluster: a stable code and a message
/// naming what was found and what was expected.
public struct ClusterError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No NATS server answered at the URLs given.
        public static let unreachable = Code("cluster.unreachable")
        /// The registry stream exists with another replica count.
        public static let wrongReplicas = Code("cluster.wrong_replicas")
        /// The data folder belongs to another cluster, or to a single-node store.
        public static let foreignStore = Code("cluster.foreign_store")
        /// This node's key file is not the cluster's key ring (nor a rotation of it).
        public static let keyMismatch = Code("cluster.key_mismatch")
        /// A URL or node name that cannot be used.
        public static let invalidArgument = Code("cluster.invalid_argument")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
