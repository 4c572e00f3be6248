/// How a ``NATSConnection`` connects, notices a dead server and reconnects.
///
/// The defaults suit a replica of the registry on a LAN cluster: a failed server is
/// noticed within seconds (nats.c's default ping interval is two minutes), the
/// client reconnects to the survivors for ever, and a request in flight when the
/// connection drops fails at once (``NATSError/Code/disconnected``) instead of
/// waiting out its timeout, so a writer can retry on the new connection.
public struct ConnectionOptions: Sendable, Hashable {
    /// The client name the servers show in their monitoring (e.g. the node name).
    public var name: String?
    /// The time allowed for one server's TCP connect and handshake. A list of dead
    /// servers fails after about this long per server.
    public var connectTimeout: Duration = .seconds(2)
    /// The pause before trying the same server again after every server failed.
    public var reconnectWait: Duration = .milliseconds(100)
    /// How many reconnect attempts per server; `nil` retries for ever.
    public var maxReconnectAttempts: Int?
    /// Bytes of publishes buffered while reconnecting.
    public var reconnectBufferSize: Int = 8 << 20
    /// How often the client pings the server to find a silently dead one.
    public var pingInterval: Duration = .seconds(2)
    /// Unanswered pings before the connection is considered dead.
    public var maxPingsOut: Int = 2
    /// Whether the client shuffles the URL list (spreads clients over the cluster).
    public var randomizeServers: Bool = true
    /// The default wait for a JetStream API answer or a publish acknowledgement.
    public var requestTimeout: Duration = .seconds(5)

    public init() {}
}

extension Duration {
    /// Whole milliseconds, rounded up so that a positive duration never becomes 0
    /// (nats.c reads 0 as "use the default" or "do not wait").
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let rest = attoseconds % 1_000_000_000_000_000
        return rest > 0 ? ms + 1 : ms
    }

    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
