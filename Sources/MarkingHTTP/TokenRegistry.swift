import Foundation
import MarkingCore
import RocksDB
import Synchronization

/// A participant's bearer token as stored: its id and owner, never the secret.
public struct AccessToken: Sendable, Codable, Hashable {
    public var id: UInt64
    public var participant: UInt32
    /// Milliseconds since 1970 UTC.
    public var createdAt: UInt64
}

/// Participants' bearer tokens, in the store's `participants` family.
///
/// Layout: `t` + SHA-256(secret) → the ``AccessToken`` as JSON (one point read per
/// request), and `k` + participant id + token id → the hash, to list and revoke a
/// participant's tokens. The secret itself is shown once, when issued, and never
/// stored. At most ``maximumActive`` tokens are active per participant, so a token
/// is rotated by issuing the second, switching clients over, and revoking the first.
public final class TokenRegistry: Sendable {
    /// Active tokens a participant may hold at once.
    public static let maximumActive = 2

    public let store: MarkingStore
    /// Serialises issuing, so two concurrent calls cannot both pass the limit.
    private let issuing = Mutex<Void>(())

    public init(store: MarkingStore) { self.store = store }

    static func hashKey(_ hash: [UInt8]) -> [UInt8] { [UInt8(ascii: "t")] + hash }

    static func indexPrefix(_ participant: UInt32) -> [UInt8] {
        [UInt8(ascii: "k")] + withUnsafeBytes(of: participant.bigEndian) { Array($0) }
    }

    static func indexKey(_ participant: UInt32, _ token: UInt64) -> [UInt8] {
        indexPrefix(participant) + withUnsafeBytes(of: token.bigEndian) { Array($0) }
    }

    /// Issues a new token for `participant`; refused with `token.limit` when it
    /// already has ``maximumActive``. Returns the stored token and its secret.
    public func issue(for participant: UInt32) throws(Problem) -> (token: AccessToken, secret: BearerSecret) {
        try issuing.withLock { _ throws(Problem) -> (token: AccessToken, secret: BearerSecret) in
            guard try active(for: participant).count < Self.maximumActive else { throw Problem("token.limit") }
            let secret = BearerSecret.generate()
            let token: AccessToken
            do {
                token = AccessToken(id: try store.nextID("token"), participant: participant, createdAt: MarkingStore.now())
            } catch let error as MarkingError {
                throw Problem(error)
            } catch {
                throw Problem("store.failure")
            }
            let hash = secret.hash
            let batch = WriteBatch()
            do {
                batch.put(Self.hashKey(hash), Array(try JSONEncoder().encode(token)), in: store.families.participants)
                batch.put(Self.indexKey(participant, token.id), hash, in: store.families.participants)
                try store.database.write(batch, sync: true)
            } catch {
                throw Problem("store.failure", detail: "cannot store a token")
            }
            return (token, secret)
        }
    }

    /// The active tokens of `participant`, oldest first.
    public func active(for participant: UInt32) throws(Problem) -> [AccessToken] {
        var tokens: [AccessToken] = []
        do {
            let prefix = Self.indexPrefix(participant)
            let cursor = try Cursor(
                store.database, family: store.families.participants, from: prefix,
                to: prefix + [UInt8](repeating: 0xFF, count: 9))
            var hashes: [[UInt8]] = []
            while cursor.isValid {
                hashes.append(cursor.value)
                cursor.next()
            }
            try cursor.checkStatus()
            for hash in hashes {
                if let bytes = try store.database.get(Self.hashKey(hash), in: store.families.participants) {
                    tokens.append(try JSONDecoder().decode(AccessToken.self, from: Data(bytes)))
                }
            }
        } catch {
            throw Problem("store.failure", detail: "cannot read tokens")
        }
        return tokens.sorted { $0.id < $1.id }
    }

    /// Revokes token `id` of `participant` at once; `token.unknown` when it has no
    /// such active token.
    public func revoke(_ id: UInt64, of participant: UInt32) throws(Problem) {
        let indexKey = Self.indexKey(participant, id)
        let hash: [UInt8]?
        do {
            hash = try store.database.get(indexKey, in: store.families.participants)
        } catch {
            throw Problem("store.failure", detail: "cannot read tokens")
        }
        guard let hash else { throw Problem("token.unknown") }
        let batch = WriteBatch()
        batch.delete(Self.hashKey(hash), in: store.families.participants)
        batch.delete(indexKey, in: store.families.participants)
        do {
            try store.database.write(batch, sync: true)
        } catch {
            throw Problem("store.failure", detail: "cannot revoke a token")
        }
    }

    /// The token whose secret is `secret`, or `nil` when there is none (never issued,
    /// or revoked).
    public func resolve(_ secret: BearerSecret) throws(Problem) -> AccessToken? {
        do {
            guard let bytes = try store.database.get(Self.hashKey(secret.hash), in: store.families.participants) else { return nil }
            return try JSONDecoder().decode(AccessToken.self, from: Data(bytes))
        } catch {
            throw Problem("store.failure", detail: "cannot read tokens")
        }
    }
}
