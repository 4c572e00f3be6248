import Hummingbird
import NIOCore

/// The request context of the API: Hummingbird's basic one plus the client's address,
/// which the audit trail records (the decree asks for the IP of every call).
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection; `nil` when the transport has none (router tests).
    public let remoteAddress: SocketAddress?
    /// The connection, for a route that must end it early (a download cut off when
    /// the server stops); `nil` in router tests.
    public let channel: (any Channel)?
    /// What the route tells the audit trail (code counts).
    let auditNote = AuditNote()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// The client's IP as text, `unknown` when the connection has no address.
    var clientIP: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}
