import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// The audit trail in the store's `audit` column family.
///
/// Keys are the time in milliseconds and a per-process sequence, so a scan by key is
/// a scan by time (key layout in MarkingCore's `AuditStorage.swift`); values are
/// ``AuditEntry`` JSON. Writes go to the store workers without being awaited: a
/// request never waits for its own audit line.
public final class AuditTrail: Sendable {
    /// The most entries one read returns; the rest comes through its `next` cursor.
    public static let pageLimit = 10_000

    private let store: MarkingStore
    private let tokens: TokenRegistry
    private let admin: AdminToken
    private let workers: StoreWorkers
    private let sequence = Atomic<UInt64>(0)
    /// Lines recorded and not yet written, and whether a flush is queued for them.
    private let pending = Mutex<(lines: [Pending], scheduled: Bool)>(([], false))

    init(store: MarkingStore, tokens: TokenRegistry, admin: AdminToken, workers: StoreWorkers) {
        self.store = store
        self.tokens = tokens
        self.admin = admin
        self.workers = workers
    }

    /// What the middleware knows about a finished call.
    struct Call: Sendable {
        var secret: BearerSecret?
        var ip: String
        var method: String
        var route: String
        var status: Int
        var count: Int?
    }

    /// How long the first line of a batch waits for the lines after it.
    ///
    /// Every public check is audited: at thousands of checks a second, a flush queued
    /// the moment a line arrives wakes a worker thread and writes a WAL record for a
    /// handful of lines, and that wake-up and write cost as much server CPU as the
    /// check itself. Waiting 10 ms gathers a hundred lines or more into one write; a
    /// line still reaches the store within moments of its call, and nothing waits for it.
    static let batchDelay = DispatchTimeInterval.milliseconds(10)

    /// Records `call` in the background: the token is resolved to its participant and
    /// the entry written on the workers; failures lose the line, never the request.
    ///
    /// Lines are queued and written in batches: the first line queued schedules one
    /// write on the workers ``batchDelay`` later, and every line queued before that
    /// write runs goes into its one write batch. ``writePending()`` writes them at once.
    func record(_ call: Call) {
        let line = Pending(call: call, ms: UInt64(Date().timeIntervalSince1970 * 1000), seq: sequence.add(1, ordering: .relaxed).newValue)
        let schedule = pending.withLock { state -> Bool in
            state.lines.append(line)
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { workers.submit(after: Self.batchDelay) { self.writePending() } }
    }

    /// A recorded call waiting to be written.
    private struct Pending: Sendable {
        var call: Call
        var ms: UInt64
        var seq: UInt64
    }

    /// Writes every line recorded so far in one batch, now rather than at the end of
    /// its batch delay: before the store closes, and before reading the trail back
    /// where every call made must be in it. Blocking.
    public func writePending() {
        let lines = pending.withLock { state -> [Pending] in
            state.scheduled = false
            defer { state.lines = [] }
            return state.lines
        }
        // A delayed write that finds nothing left must not touch the store: it may
        // already be closed.
        guard !lines.isEmpty else { return }
        var entries: [(ms: UInt64, seq: UInt64, value: [UInt8])] = []
        entries.reserveCapacity(lines.count)
        for line in lines {
            var entry = AuditEntry(
                time: JSONAnswer.timestamp(line.ms), ms: line.ms, actor: "public", participant: nil, ip: line.call.ip,
                method: line.call.method, route: line.call.route, status: line.call.status, count: line.call.count)
            if let secret = line.call.secret {
                if admin.matches(secret) {
                    entry.actor = "admin"
                } else if let token = try? tokens.resolve(secret) {
                    entry.actor = "participant"
                    entry.participant = token.participant
                }
            }
            entries.append((line.ms, line.seq, Array(buffer: entry.json)))
        }
        _ = try? store.committer.commit(.buffered) { changeset in
            for entry in entries { changeset.putAuditLine(ms: entry.ms, sequence: entry.seq, entry.value) }
        }
    }

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
