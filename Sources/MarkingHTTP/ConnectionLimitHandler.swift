import CoreMetrics
import NIOCore
import Synchronization

/// The connections a server holds open, and its cap: shared by the
/// ``ConnectionLimitHandler`` of every connection.
///
/// Each connection costs a socket, buffers and, while it sends a body, up to that
/// body in memory; rate limits bound requests, not sockets held open doing nothing
/// (the idle timeout ends each such one only after a minute). Past the cap a new
/// connection is closed at once, before a byte of it is read, and counted in
/// `marking_http_connections_refused_total`.
public final class OpenConnections: Sendable {
    /// The default cap: far above what the two cores this runs on can serve usefully,
    /// far below the process's file descriptor limit.
    public static let defaultLimit = 4096

    public let limit: Int
    private let open = Atomic<Int>(0)
    private let refused: CoreMetrics.Counter

    public init(limit: Int = OpenConnections.defaultLimit, metrics: APIMetrics) {
        self.limit = max(1, limit)
        refused = metrics.connectionsRefusedCounter()
    }

    /// The connections open now.
    public var count: Int { open.load(ordering: .relaxed) }

    /// Counts a new connection in: `false` (and not counted) past the cap.
    func admit() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            refused.increment()
            return false
        }
        return true
    }

    /// Counts a connection admitted by ``admit()`` out.
    func leave() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// Admits a connection under ``OpenConnections``'s cap, or closes it at once.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let connections: OpenConnections
    private var admitted = false

    init(connections: OpenConnections) {
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted else { return }
        if connections.admit() {
            admitted = true
        } else {
            context.close(promise: nil)
        }
    }

    private func leave() {
        if admitted {
            admitted = false
            connections.leave()
        }
    }
}
