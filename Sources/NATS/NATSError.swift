import CNATS

/// An error raised by the NATS client or by JetStream.
///
/// Like ``RocksDB/DatabaseError`` it carries a stable ``Code`` to switch over and a
/// human message for logs. What nats.c and the server said is kept in ``cause``,
/// copied out of the library's thread-local error text before the call returns, so
/// a caller can log it without knowing nats.c exists.
///
/// The one code a writer must tell apart is ``Code/wrongLastSequence``: another
/// writer appended first, nothing of this publish was stored, and the writer catches
/// up to ``actualLastSequence`` and tries again. ``isTransient`` groups the codes
/// after which the same call may succeed once the cluster has settled (a new stream
/// leader, a reconnect).
public struct NATSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// No server in the list could be reached (refused, timed out, not NATS).
        public static let connect = Code("nats.connect")
        /// A URL, subject, stream name or option was rejected before anything was sent.
        public static let invalidArgument = Code("nats.invalid_argument")
        /// The connection was used after ``NATSConnection/close()``.
        public static let closed = Code("nats.closed")
        /// The connection to the server dropped while the call waited; the client
        /// is reconnecting. For a publish, the outcome is unknown.
        public static let disconnected = Code("nats.disconnected")
        /// No answer in time. For a publish, the outcome is unknown: the message may
        /// have been stored.
        public static let timeout = Code("nats.timeout")
        /// Nobody could answer: JetStream is off, has no quorum, or the stream has no
        /// leader right now (an election after a node died).
        public static let unavailable = Code("nats.unavailable")
        /// The stream's last sequence was not the expected one; nothing was stored.
        public static let wrongLastSequence = Code("nats.wrong_last_sequence")
        /// No stream by that name.
        public static let streamNotFound = Code("nats.stream_not_found")
        /// A stream by that name exists with another configuration.
        public static let streamExists = Code("nats.stream_exists")
        /// The server refused the stream configuration (e.g. replicas > 1 on a single
        /// server, a replica count change, subjects overlapping another stream).
        public static let invalidStreamConfig = Code("nats.invalid_stream_config")
        /// The message is larger than the server's max payload or the stream's
        /// maximum message size.
        public static let messageTooLarge = Code("nats.message_too_large")
        /// Any other JetStream API error; ``NATSError/cause`` has the server's code.
        public static let jetStream = Code("nats.jetstream")
        /// Any other failure inside the client library.
        public static let library = Code("nats.library")

        public var description: String { rawValue }
    }

    /// What nats.c reported: its status, the JetStream error code when the server
    /// answered with one, and the library's error text.
    public struct Cause: Hashable, Sendable, CustomStringConvertible {
        /// nats.c's `natsStatus` value.
        public var status: Int
        /// nats.c's text for `status`, e.g. "Timeout".
        public var statusText: String
        /// The JetStream API error code (e.g. 10071), when the server sent one.
        public var jetStreamCode: Int?
        /// The library's last error text for this call, e.g. the server's description.
        public var detail: String?

        public var description: String {
            guard let detail, !detail.isEmpty else { return summary }
            return "\(summary): \(detail)"
        }

        /// The status and JetStream code without the text (which the error's
        /// message already carries).
        var summary: String {
            var parts = ["status \(status) \(statusText)"]
            if let jetStreamCode { parts.append("jetstream \(jetStreamCode)") }
            return parts.joined(separator: ", ")
        }
    }

    /// What went wrong, for code to switch over.
    public var code: Code
    /// What went wrong, for people: the operation and the library's or server's text.
    public var message: String
    /// What nats.c reported; `nil` for errors raised by this module itself.
    public var cause: Cause?
    /// For ``Code/wrongLastSequence``: the stream's last sequence as the server saw it.
    public var actualLastSequence: UInt64?

    public init(code: Code, message: String, cause: Cause? = nil, actualLastSequence: UInt64? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.actualLastSequence = actualLastSequence
    }

    /// True when the same call may succeed later without any change by the caller.
    public var isTransient: Bool {
        code == .timeout || code == .unavailable || code == .disconnected
    }

    public var description: String {
        guard let cause else { return "\(message) [\(code)]" }
        return "\(message) [\(code)] (\(cause.summary))"
    }
}

extension NATSError {
    /// Throws unless `status` is `NATS_OK`. Call it right after the C call, on the
    /// same thread: the detail text is nats.c's thread-local last error.
    static func check(_ status: natsStatus, _ jsCode: jsErrCode, _ context: @autoclosure () -> String)
        throws(NATSError)
    {
        guard status != NATS_OK else { return }
        throw NATSError(status: status, jsCode: jsCode, context: context())
    }

    static func check(_ status: natsStatus, _ context: @autoclosure () -> String) throws(NATSError) {
        guard status != NATS_OK else { return }
        throw NATSError(status: status, context: context())
    }

    init(status: natsStatus, jsCode: jsErrCode = jsErrCode(rawValue: 0), context: String) {
        var lastStatus = NATS_OK
        let text = nats_GetLastError(&lastStatus).map { Self.withoutSourceLocation(String(cString: $0)) }
        // Some calls return a status without recording an error text; a text left by
        // an earlier failure on this thread would then mislead.
        var detail = lastStatus == status ? text : nil
        if status == NATS_NO_RESPONDERS {
            // nats.c's "No responders available for request" names no cause.
            detail = jsCode == JSNotEnabledErr
                ? "JetStream is not enabled on the server"
                : "no responder (no stream leader right now, or JetStream is not enabled)"
        }
        let js = Int(jsCode.rawValue)
        let cause = Cause(
            status: Int(status.rawValue), statusText: String(cString: natsStatus_GetText(status)),
            jetStreamCode: js == 0 ? nil : js, detail: detail)
        let code = Self.code(status: status, jsCode: js)
        var message = context
        if let detail, !detail.isEmpty { message += ": \(detail)" } else { message += ": \(cause.statusText)" }
        var actual: UInt64?
        if code == .wrongLastSequence, let detail, let colon = detail.lastIndex(of: ":") {
            actual = UInt64(detail[detail.index(after: colon)...].trimmingCharacters())
        }
        self.init(code: code, message: message, cause: cause, actualLastSequence: actual)
    }

    /// nats.c prefixes its error texts with where they were raised, e.g.
    /// "(js.c:535): wrong last sequence: 2"; the location means nothing to a reader.
    private static func withoutSourceLocation(_ text: String) -> String {
        guard text.hasPrefix("("), let end = text.firstIndex(of: ")"),
            text[text.index(after: end)...].hasPrefix(": ")
        else { return text }
        return String(text[text.index(end, offsetBy: 3)...])
    }

    private static func code(status: natsStatus, jsCode: Int) -> Code {
        switch jsCode {
        case 10071: return .wrongLastSequence
        case 10059: return .streamNotFound
        case 10058: return .streamExists
        case 10054: return .messageTooLarge
        case 10052, 10061, 10065, 10074, 10069: return .invalidStreamConfig
        // Cluster not available / not leader / no suitable peers / stream offline /
        // JetStream not enabled.
        case 10004, 10005, 10008, 10009, 10118, 10039, 10076: return .unavailable
        case 0: break
        default: return .jetStream
        }
        switch status {
        case NATS_TIMEOUT: return .timeout
        case NATS_NO_RESPONDERS: return .unavailable
        case NATS_CONNECTION_CLOSED: return .closed
        case NATS_CONNECTION_DISCONNECTED, NATS_STALE_CONNECTION, NATS_IO_ERROR: return .disconnected
        case NATS_NO_SERVER, NATS_CONNECTION_AUTH_FAILED, NATS_SECURE_CONNECTION_WANTED,
            NATS_SECURE_CONNECTION_REQUIRED, NATS_PROTOCOL_ERROR:
            return .connect
        case NATS_ADDRESS_MISSING, NATS_INVALID_ARG, NATS_INVALID_SUBJECT, NATS_INVALID_TIMEOUT:
            return .invalidArgument
        case NATS_MAX_PAYLOAD: return .messageTooLarge
        default: return .library
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> Substring {
        var s = self
        while let first = s.first, first == " " { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\n" { s = s.dropLast() }
        return s
    }
}
