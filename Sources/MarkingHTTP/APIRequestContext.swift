import Hummingbird
import NIOCore

/// The request context of the API: Hummingbird's basic one plus the client's address,
/// which the audit trail records (the decree asks for the IP of every call).
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection; `nil` when the transport has none (router tests).
    public let remoteAddress: SocketAddress?
    /// What the route tells the audit trail (code counts).
    let auditNote = AuditNote()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP as text, `unknown` when the connection has no address.
    var clientIP: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}
