import Emitter
import Foundation
import Hummingbird
import MarkingCore
import OwnershipBatch

/// Everything the HTTP API works on: one open store, its emitter, the participant
/// register, the token registry and the admin token. One per server process.
public final class MarkingService: Sendable {
    public let store: MarkingStore
    /// The replica's place in its cluster; `nil` for a single node.
    public let replication: (any ReplicationStatus)?
    public let emitter: Emitter
    public let participants: ParticipantDirectory
    public let tokens: TokenRegistry
    /// The product cards shown by the public check.
    public let products: ProductRegister
    public let admin: AdminToken
    /// Where blocking store work runs, off the event loops.
    public let workers: StoreWorkers
    /// The one job engine of the process: its commit lock is what keeps two documents
    /// over the same codes from both succeeding, so there must be only one.
    public let jobs: JobEngine
    /// Where documents run: their own queue, drained apart from ``workers`` at a stop.
    /// Its threads are not its own: on Linux, libdispatch serves every queue of one QoS
    /// from one pool of about as many threads as cores, so documents, emissions and the
    /// checks that read from disk share threads (see docs/http-load.md).
    public let jobWorkers: StoreWorkers
    /// Where a public check reads a record that is not in memory (see ``CheckReaders``).
    public let checkReaders = CheckReaders()
    /// The progress of the documents running in this process.
    public let running = RunningDocuments()
    /// The progress of the orders emitted in the background by this process.
    public let runningOrders = RunningOrders()
    /// The largest order answered once its codes are durable (`201`); a larger one is
    /// answered `202` as soon as its range is reserved, and emitted in the background.
    public let synchronousOrderLimit: Int
    /// The audit trail of every mutating call and code check.
    public let audit: AuditTrail
    /// Reports of suspected fakes from the public.
    public let violations: ViolationReports
    /// Requests, latencies, codes emitted and documents, for `GET /metrics`.
    public let metrics = APIMetrics()
    /// The cap on streamed code lists held at once (see ``UploadSlots``).
    public let uploads: UploadSlots
    /// The rate of requests without a token, per IP address; `nil`: unlimited.
    public let anonymousLimiter: RateLimiter?
    /// The rate of requests with a token, per token; `nil`: unlimited.
    public let tokenLimiter: RateLimiter?

    /// Opens the service over an open `store`. Marks orders a crash left in progress
    /// as interrupted (see ``Emitter``). `maximumUploads` caps the streamed code lists
    /// received or run at once; `limits` are the request rates allowed (see ``RateLimiter``).
    public init(
        store: MarkingStore, admin: AdminToken, workers: StoreWorkers = StoreWorkers(), maximumUploads: Int = UploadSlots.defaultLimit,
        limits: RateLimits = .unlimited, synchronousOrderLimit: Int = MarkingService.defaultSynchronousOrderLimit,
        replication: (any ReplicationStatus)? = nil
    ) throws(MarkingError) {
        self.synchronousOrderLimit = synchronousOrderLimit
        self.store = store
        self.replication = replication
        self.emitter = try Emitter(store: store, node: replication?.node ?? "")
        self.participants = ParticipantDirectory(store: store)
        self.tokens = TokenRegistry(store: store)
        self.products = ProductRegister(store: store)
        self.admin = admin
        self.workers = workers
        self.jobs = try JobEngine(store: store, node: replication?.node ?? "")
        self.jobWorkers = StoreWorkers(label: "marking.http.documents")
        self.violations = ViolationReports(store: store)
        self.audit = AuditTrail(store: store, tokens: tokens, admin: admin, workers: workers)
        self.uploads = UploadSlots(limit: maximumUploads)
        self.anonymousLimiter = limits.anonymous.map { RateLimiter(rate: $0) }
        self.tokenLimiter = limits.token.map { RateLimiter(rate: $0) }
    }

    /// The default ``synchronousOrderLimit``: a million codes take a few seconds to
    /// write, about what a client waits for an answer without giving up.
    public static let defaultSynchronousOrderLimit = 1_000_000

    /// Waits for the documents and orders running in the background to finish (each is all or
    /// nothing, so waiting is what keeps a stop from turning them `INTERRUPTED`), then
    /// writes the audit lines still waiting for their batch and closes the store; call
    /// once the server has stopped.
    public func close() {
        jobWorkers.drain()
        checkReaders.close()
        workers.drain()
        audit.close()
        store.close()
    }

    /// Runs blocking work on the workers, turning engine errors into problems.
    public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await workers.run(body)
        } catch let error as MarkingError {
            throw Problem(error)
        }
    }

    /// Who sent `request`: the admin, or the participant whose token it carries.
    /// `auth.token_missing` without an `Authorization: Bearer` header,
    /// `auth.token_invalid` when the token is unknown or revoked.
    func caller(of request: Request) async throws -> Caller {
        guard let secret = Self.bearer(request.headers) else { throw Problem(.auth.tokenMissing) }
        return try await caller(secret: secret)
    }

    /// Who holds `secret`: the admin, or the participant of that token;
    /// `auth.token_invalid` when the token is unknown or revoked. The web
    /// application's sessions keep the secret server-side and ask here on every page,
    /// so a revoked token ends its sessions at once.
    public func caller(secret: BearerSecret) async throws -> Caller {
        if admin.matches(secret) { return .admin }
        let tokens = self.tokens, participants = self.participants
        let participant = try await blocking { () throws -> Participant? in
            guard let token = try tokens.resolve(secret) else { return nil }
            return try participants.participant(token.participant)
        }
        guard let participant else { throw Problem(.auth.tokenInvalid) }
        return .participant(participant)
    }

    /// The caller when the request carries a token, `nil` when it carries none.
    func optionalCaller(of request: Request) async throws -> Caller? {
        guard request.headers[.authorization] != nil else { return nil }
        return try await caller(of: request)
    }

    /// The bearer secret of an `Authorization` header, `nil` when there is none.
    static func bearer(_ headers: HTTPFields) -> BearerSecret? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let secret = parts[1].trimmingCharacters(in: .whitespaces)
        return secret.isEmpty ? nil : BearerSecret(text: secret)
    }
}

/// Who is calling: the administrator or a registered participant.
public enum Caller: Sendable, Equatable {
    case admin
    case participant(Participant)

    /// The participant id, `nil` for the admin.
    public var participantID: UInt32? {
        if case .participant(let participant) = self { return participant.id }
        return nil
    }

    /// Passes for the admin only; `auth.admin_only` otherwise.
    func requireAdmin() throws(Problem) {
        guard self == .admin else { throw Problem(.auth.adminOnly) }
    }

    /// Passes for the admin and for participant `id` itself; `auth.forbidden` otherwise.
    func requireAdminOrSelf(_ id: UInt32) throws(Problem) {
        guard self == .admin || participantID == id else { throw Problem(.auth.forbidden) }
    }
}
