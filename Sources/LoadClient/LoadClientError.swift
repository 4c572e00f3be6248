/// Why a load-client exchange failed, with a stable code for reports and scripts.
public struct LoadClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable identifier of a failure kind.
    public enum Code: String, Sendable {
        /// The connection could not be opened.
        case connect = "client.connect"
        /// The server closed the connection before the response was complete.
        case closed = "client.closed"
        /// The bytes received are not an HTTP/1.1 response this client understands.
        case malformedResponse = "client.malformed_response"
        /// No complete response arrived in time.
        case timeout = "client.timeout"
        /// A request body could not be read from its file.
        case upload = "client.upload"
        /// The response body could not be consumed (a download's file write failed).
        case consume = "client.consume"
        /// The connection is already running an exchange.
        case busy = "client.busy"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
