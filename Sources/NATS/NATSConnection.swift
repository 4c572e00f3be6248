import CNATS
import Synchronization

/// A connection to a NATS cluster, kept alive across server failures.
///
/// It is given every server's URL so that losing the one it is connected to is a
/// reconnect to another, not an outage; the servers also advertise the rest of the
/// cluster to it. nats.c's `natsConnection` is thread-safe (every call locks inside
/// the library), and this class adds only immutable state and an atomic flag, hence
/// `@unchecked Sendable`.
///
/// Every call blocks the calling thread, up to its timeout. Call it from a thread
/// that may block (a committer's thread, a test), not from an event loop.
public final class NATSConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private let closed = Atomic<Bool>(false)

    /// The URLs the connection was created with.
    public let urls: [String]
    /// The options it was created with.
    public let options: ConnectionOptions

    /// Connects to the first reachable server of `urls` (in random order unless
    /// ``ConnectionOptions/randomizeServers`` is off). Fails with
    /// ``NATSError/Code/connect`` after trying each server once, so an unreachable
    /// cluster is an error after about ``ConnectionOptions/connectTimeout`` per
    /// server, not a hang.
    public init(urls: [String], options: ConnectionOptions = .init()) throws(NATSError) {
        guard !urls.isEmpty else {
            throw NATSError(code: .invalidArgument, message: "no NATS server URL given")
        }
        self.urls = urls
        self.options = options
        var natsOptions: OpaquePointer?
        try NATSError.check(natsOptions_Create(&natsOptions), "cannot create the connection options")
        defer { natsOptions_Destroy(natsOptions) }
        let strings = CStrings()
        let configured = withExtendedLifetime(strings) { () -> [(natsStatus, String)] in
            [
                (natsOptions_SetServers(natsOptions, strings.array(urls), Int32(urls.count)), "servers"),
                (natsOptions_SetTimeout(natsOptions, options.connectTimeout.wholeMilliseconds), "connect timeout"),
                (natsOptions_SetAllowReconnect(natsOptions, true), "reconnect"),
                (natsOptions_SetMaxReconnect(natsOptions, Int32(options.maxReconnectAttempts ?? -1)), "max reconnect"),
                (natsOptions_SetReconnectWait(natsOptions, options.reconnectWait.wholeMilliseconds), "reconnect wait"),
                (natsOptions_SetReconnectBufSize(natsOptions, Int32(options.reconnectBufferSize)), "reconnect buffer"),
                (natsOptions_SetPingInterval(natsOptions, options.pingInterval.wholeMilliseconds), "ping interval"),
                (natsOptions_SetMaxPingsOut(natsOptions, Int32(options.maxPingsOut)), "max pings out"),
                (natsOptions_SetNoRandomize(natsOptions, !options.randomizeServers), "randomize"),
                (natsOptions_SetFailRequestsOnDisconnect(natsOptions, true), "fail requests on disconnect"),
                (options.name.map { natsOptions_SetName(natsOptions, strings.copy($0)) } ?? NATS_OK, "name"),
            ]
        }
        for (status, what) in configured {
            try NATSError.check(status, "invalid connection option (\(what))")
        }
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, natsOptions)
        guard status == NATS_OK, let connection else {
            var error = NATSError(status: status, context: "cannot connect to NATS at \(urls.joined(separator: ","))")
            if error.code != .invalidArgument { error.code = .connect }
            throw error
        }
        handle = connection
    }

    deinit {
        natsConnection_Destroy(handle)
    }

    /// Closes the connection: calls in flight and later calls fail with
    /// ``NATSError/Code/closed``. Safe to call more than once.
    public func close() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        natsConnection_Close(handle)
    }

    /// Whether a server is connected right now (false while reconnecting or after
    /// ``close()``): what a health check reports as "log reachable".
    public var isConnected: Bool {
        natsConnection_Status(handle) == NATS_CONN_STATUS_CONNECTED
    }

    /// The URL of the server this connection currently talks to, if any.
    public var connectedURL: String? {
        var buffer = [CChar](repeating: 0, count: 512)
        let status = natsConnection_GetConnectedUrl(handle, &buffer, buffer.count)
        guard status == NATS_OK, buffer[0] != 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The largest message the connected server accepts (its `max_payload`, 1 MiB by
    /// default): a chunked writer sizes its chunks below it.
    public var maxPayload: Int {
        Int(natsConnection_GetMaxPayload(handle))
    }

    /// Waits until the server has processed everything sent so far.
    public func flush(timeout: Duration = .seconds(5)) throws(NATSError) {
        try NATSError.check(natsConnection_FlushTimeout(handle, timeout.wholeMilliseconds), "flush failed")
    }

    /// A JetStream context on this connection. `requestTimeout` overrides
    /// ``ConnectionOptions/requestTimeout`` for its API calls and publishes.
    public func jetStream(requestTimeout: Duration? = nil) throws(NATSError) -> JetStream {
        try JetStream(connection: self, requestTimeout: requestTimeout ?? options.requestTimeout)
    }
}
