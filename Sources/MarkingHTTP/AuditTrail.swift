import Foundation
import MarkingCore
import Synchronization

/// The audit trail in the store's `audit` column family.
///
/// Keys are the time in milliseconds and a sequence, so a scan by key is a scan by
/// time (key layout in MarkingCore's `AuditStorage.swift`); values are ``AuditEntry``
/// JSON. The caller is resolved when the call arrives (a participant that revokes its
/// own token is recorded as itself).
///
/// Durability (see ``AuditMiddleware``): a mutation's line is written in the changeset
/// of the mutation itself (``MarkingCore/AuditAttachment``), so both are synced
/// together and, in a cluster, appended to the log together; every other line but a
/// public check's is synced before its answer is sent (``AuditWriter/write(_:)``);
/// public checks' lines are synced in groups at most ``AuditWriter/gatherDelay``
/// after their answer.
public final class AuditTrail: Sendable {
    /// The most entries one read returns; the rest comes through its `next` cursor.
    public static let pageLimit = 10_000

    private let store: MarkingStore
    private let tokens: TokenRegistry
    private let admin: AdminToken
    private let workers: StoreWorkers
    private let writer: AuditWriter
    /// The line sequence: a random prefix per process in the high 24 bits, so two
    /// replicas (or two runs) writing in the same millisecond never share a key.
    private let sequence = Atomic<UInt64>(UInt64.random(in: 0..<(1 << 24)) << 40)

    init(store: MarkingStore, tokens: TokenRegistry, admin: AdminToken, workers: StoreWorkers) {
        self.store = store
        self.tokens = tokens
        self.admin = admin
        self.workers = workers
        writer = AuditWriter(store: store)
    }

    /// Who made a call, as the trail records it (its `actor` and `participant`).
    enum Performer: Sendable, Equatable {
        case admin
        case participant(UInt32)
        /// No token, or one that is not valid.
        case `public`
    }

    /// What the trail knows about a finished call.
    struct Call: Sendable {
        var performer: Performer = .public
        var ip: String
        var method: String
        var route: String
        var status: Int
        var count: Int?
    }

    /// A position in the trail, taken when the call arrives.
    struct Key: Sendable {
        var ms: UInt64
        var sequence: UInt64
    }

    /// The next position, at the present time.
    func nextKey() -> Key {
        Key(ms: UInt64(Date().timeIntervalSince1970 * 1000), sequence: sequence.add(1, ordering: .relaxed).newValue)
    }

    /// Who makes a call carrying `secret`, resolved now (a token read on the
    /// workers); an unknown or revoked token is `public`.
    func performer(of secret: BearerSecret?) async -> Performer {
        guard let secret else { return .public }
        if admin.matches(secret) { return .admin }
        let tokens = self.tokens
        guard let token = try? await workers.run({ try tokens.resolve(secret) }) else { return .public }
        return .participant(token.participant)
    }

    /// The stored bytes of `call`'s line at `key`.
    static func line(_ call: Call, at key: Key) -> [UInt8] {
        var entry = AuditEntry(
            time: JSONAnswer.timestamp(key.ms), ms: key.ms, actor: "public", participant: nil, ip: call.ip, method: call.method,
            route: call.route, status: call.status, count: call.count)
        switch call.performer {
        case .admin: entry.actor = "admin"
        case .participant(let id):
            entry.actor = "participant"
            entry.participant = id
        case .public: break
        }
        return Array(buffer: entry.json)
    }

    /// Records a public check: the call is queued as it is (its JSON is written on the
    /// writer's thread), written with the checks around it, not awaited.
    func record(_ call: Call) {
        let key = nextKey()
        writer.enqueue(AuditWriter.Line(ms: key.ms, sequence: key.sequence, content: .call(call)))
    }

    /// Writes `call`'s line at `key` and returns once it is synced, unless `committed`
    /// (the line a mutation's changeset already carried) is that very line.
    func settle(_ call: Call, at key: Key, committed: [UInt8]?) async throws(MarkingError) {
        let bytes = Self.line(call, at: key)
        guard bytes != committed else { return }
        try await writer.write(AuditWriter.Line(ms: key.ms, sequence: key.sequence, content: .bytes(bytes)))
    }

    /// Blocks until every line recorded so far is written: before the store closes,
    /// and before reading the trail back where every call made must be in it.
    public func writePending() {
        writer.flush()
    }

    /// Writes what is queued and stops the writer; call before the store closes.
    func close() {
        writer.close()
    }

    /// Audit lines lost because the store refused to write them.
    public var lostLines: Int { writer.lost.load(ordering: .relaxed) }

    /// One page of entries.
    public struct Page: Codable, Sendable {
        public var entries: [AuditEntry]
        /// The cursor to pass as `cursor` for the next page; `nil` at the end.
        public var next: String?
    }

    /// What to read: the time range `[from, to)` in milliseconds, optionally only one
    /// actor, from `cursor` (a key in hex) when continuing.
    struct Query: Sendable {
        var from: UInt64 = 0
        var to: UInt64 = .max
        var actor: String?
        var participant: UInt32?
        var cursor: [UInt8]?
        var limit: Int = AuditTrail.pageLimit
    }

    /// Reads one page; blocking, run it on the workers.
    func page(_ query: Query) throws -> Page {
        var lower = store.auditKey(ms: query.from, sequence: 0)
        if let after = query.cursor, lower.lexicographicallyPrecedes(after) { lower = after }
        let upper = store.auditKey(ms: query.to, sequence: 0)
        let decoder = JSONDecoder()
        var entries: [AuditEntry] = []
        let (_, next) = try store.auditLines(from: lower, to: upper, limit: query.limit) { value in
            guard let entry = try? decoder.decode(AuditEntry.self, from: Data(value)),
                  query.actor.map({ $0 == entry.actor }) ?? true, query.participant.map({ $0 == entry.participant }) ?? true
            else { return false }
            entries.append(entry)
            return true
        }
        return Page(entries: entries, next: next.map { $0.map { String(format: "%02x", $0) }.joined() })
    }
}
