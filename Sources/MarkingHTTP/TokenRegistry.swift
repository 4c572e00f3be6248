import Foundation
import MarkingCore

/// A participant's bearer token as stored: its id and owner, never the secret.
public struct AccessToken: Sendable, Codable, Hashable {
    public var id: UInt64
    public var participant: UInt32
    /// Milliseconds since 1970 UTC.
    public var createdAt: UInt64
}

/// Participants' bearer tokens, in the store's `participants` family (key layout in
/// MarkingCore's `ReferenceStorage.swift`): one point read per request by the hash
/// of the secret, and a key range per participant to list and revoke. The secret itself is shown once, when issued, and never
/// stored. At most ``maximumActive`` tokens are active per participant, so a token
/// is rotated by issuing the second, switching clients over, and revoking the first.
public final class TokenRegistry: Sendable {
    /// Active tokens a participant may hold at once.
    public static let maximumActive = 2

    public let store: MarkingStore

    public init(store: MarkingStore) { self.store = store }

    /// Issues a new token for `participant`; refused with `token.limit` when it
    /// already has ``maximumActive``. Returns the stored token and its secret.
    ///
    /// The limit is checked under the commit order, so two concurrent calls cannot
    /// both pass it.
    public func issue(for participant: UInt32) throws(Problem) -> (token: AccessToken, secret: BearerSecret) {
        let secret = BearerSecret.generate()
        do {
            let token = try store.committer.commit { changeset throws(MarkingError) -> AccessToken? in
                guard try store.tokenHashes(of: participant).count < Self.maximumActive else { return nil }
                let token = AccessToken(id: try store.nextID(.token, in: &changeset), participant: participant, createdAt: MarkingStore.now())
                let value: [UInt8]
                do {
                    value = Array(try JSONEncoder().encode(token))
                } catch {
                    throw MarkingError(.store, "cannot encode a token")
                }
                changeset.putToken(token.id, of: participant, hash: secret.hash, value)
                return token
            }.value
            guard let token else { throw Problem(.participants.tokenLimit) }
            return (token, secret)
        } catch let error as Problem {
            throw error
        } catch let error as MarkingError {
            throw Problem(error)
        } catch {
            throw Problem(.server.store, detail: "cannot store a token")
        }
    }

    /// The active tokens of `participant`, oldest first.
    public func active(for participant: UInt32) throws(Problem) -> [AccessToken] {
        var tokens: [AccessToken] = []
        do {
            for (_, hash) in try store.tokenHashes(of: participant) {
                if let bytes = try store.token(hash: hash) {
                    tokens.append(try JSONDecoder().decode(AccessToken.self, from: Data(bytes)))
                }
            }
        } catch {
            throw Problem(.server.store, detail: "cannot read tokens")
        }
        return tokens.sorted { $0.id < $1.id }
    }

    /// Revokes token `id` of `participant` at once; `token.unknown` when it has no
    /// such active token.
    public func revoke(_ id: UInt64, of participant: UInt32) throws(Problem) {
        let revoked: Bool
        do {
            revoked = try store.committer.commit { changeset throws(MarkingError) -> Bool in
                guard let hash = try store.tokenHashes(of: participant).first(where: { $0.id == id })?.hash else { return false }
                changeset.deleteToken(id, of: participant, hash: hash)
                return true
            }.value
        } catch {
            throw Problem(.server.store, detail: "cannot revoke a token")
        }
        guard revoked else { throw Problem(.participants.unknownToken) }
    }

    /// The token whose secret is `secret`, or `nil` when there is none (never issued,
    /// or revoked).
    public func resolve(_ secret: BearerSecret) throws(Problem) -> AccessToken? {
        do {
            guard let bytes = try store.token(hash: secret.hash) else { return nil }
            return try JSONDecoder().decode(AccessToken.self, from: Data(bytes))
        } catch {
            throw Problem(.server.store, detail: "cannot read tokens")
        }
    }
}
