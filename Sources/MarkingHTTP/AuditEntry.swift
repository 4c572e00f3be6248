import Foundation
import NIOCore

/// One line of the audit trail: who did what, from where, when, and with what result.
///
/// Never holds a token: the caller is recorded as the participant it resolved to,
/// `admin`, or `public`.
public struct AuditEntry: Codable, Sendable, Equatable {
    /// UTC time with milliseconds, ISO 8601.
    public var time: String
    /// Milliseconds since 1970, the key's first part, so clients can page by number.
    public var ms: UInt64
    /// `admin`, `participant` or `public`.
    public var actor: String
    /// The participant's id when ``actor`` is `participant`.
    public var participant: UInt32?
    /// The client's IP address.
    public var ip: String
    public var method: String
    /// The path as requested, with its query (codes in it are percent-encoded as sent).
    public var route: String
    /// The HTTP status answered.
    public var status: Int
    /// How many codes the call carried or produced, when the response says so.
    public var count: Int?
}

extension AuditEntry {
    /// The entry as stored: what `JSONEncoder.api` writes for it (sorted keys),
    /// written directly, since every public check writes one.
    var json: ByteBuffer {
        var json = JSONByteWriter(capacity: 256)
        json.string("actor", actor)
        json.integer("count", count)
        json.string("ip", ip)
        json.string("method", method)
        json.integer("ms", ms)
        json.integer("participant", participant)
        json.string("route", route)
        json.integer("status", status)
        json.string("time", time)
        return json.finish()
    }
}
