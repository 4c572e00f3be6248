import Crypto
import Foundation
import MarkingHTTP
import Synchronization

/// A signed-in browser: the token it signed in with stays here, server-side, never
/// in a cookie, a page or a URL; the browser holds only the random session id.
struct WebSession: Sendable {
    /// The cookie value: 32 random bytes, base64url.
    let id: String
    /// The token the participant (or the admin) signed in with; asked again on every
    /// page (``MarkingHTTP/MarkingService/caller(secret:)``), so revoking it signs out.
    let secret: BearerSecret
    /// The synchroniser token every form of this session carries.
    let csrf: String
    let opened: ContinuousClock.Instant
    var lastSeen: ContinuousClock.Instant
    /// Orders and documents made in this session, newest first: the registry keeps no
    /// index of a participant's documents, so the cabinet lists what this browser sent.
    var documents: [UInt64] = []
}

/// The open sessions, in memory: a restart signs everyone out, which is the safe
/// side. Idle sessions end after ``idleLimit``, any after ``lifetime``; at most
/// ``capacity`` are kept (the oldest go first), so sign-ins cannot exhaust memory.
final class WebSessions: Sendable {
    static let idleLimit = Duration.seconds(30 * 60)
    static let lifetime = Duration.seconds(12 * 3600)
    static let capacity = 10_000
    private let sessions = Mutex<[String: WebSession]>([:])

    /// A new session for `secret`; a fresh id at every sign-in (no fixation).
    func open(secret: BearerSecret) -> WebSession {
        let now = ContinuousClock.now
        let session = WebSession(id: Self.randomToken(), secret: secret, csrf: Self.randomToken(), opened: now, lastSeen: now)
        sessions.withLock { sessions in
            if sessions.count >= Self.capacity, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                sessions.removeValue(forKey: oldest.id)
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session of cookie value `id`, its idle clock restarted; `nil` for an
    /// unknown, tampered or expired one.
    func session(_ id: String?) -> WebSession? {
        guard let id, !id.isEmpty else { return nil }
        let now = ContinuousClock.now
        return sessions.withLock { sessions -> WebSession? in
            guard var session = sessions[id] else { return nil }
            guard now - session.lastSeen < Self.idleLimit, now - session.opened < Self.lifetime else {
                sessions.removeValue(forKey: id)
                return nil
            }
            session.lastSeen = now
            sessions[id] = session
            return session
        }
    }

    /// Ends session `id` (sign-out, or its token no longer valid).
    func close(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Remembers document `document` for the session's document list.
    func remember(document: UInt64, in id: String) {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return }
            session.documents.removeAll { $0 == document }
            session.documents.insert(document, at: 0)
            session.documents = Array(session.documents.prefix(50))
            sessions[id] = session
        }
    }

    /// 32 random bytes as base64url without padding.
    static func randomToken() -> String {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares two secrets in time independent of where they differ.
    static func same(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8), b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
