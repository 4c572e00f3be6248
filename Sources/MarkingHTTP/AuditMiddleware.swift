import Hummingbird
import MarkingCore

/// Records every mutating call, every code check and every code download in the
/// ``AuditTrail``: the outermost middleware, so it sees the status that was really
/// answered, problems included. Other reads are not recorded.
///
/// The caller is resolved when the call arrives. A mutating call runs with its line
/// bound as ``MarkingCore/AuditAttachment/current``: the changeset it commits carries
/// the line (with the status the call answers on success), so the mutation and its
/// line are durable together. When the call ends otherwise (a refusal, another status)
/// the line is written, under the same key, and synced before the answer goes out.
/// Downloads are synced before their body is sent; public checks are written in groups
/// without being awaited (``AuditWriter``).
struct AuditMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let trail: AuditTrail
    /// The web application's sessions: a page's call carries no `Authorization`
    /// header, its session keeps the token; `nil` without the web application.
    var sessions: (any PageSessions)? = nil

    /// How a call is recorded.
    enum Kind: Equatable {
        /// Changes the registry: the line goes with the change.
        case mutation
        /// A download of codes: synced before the answer.
        case download
        /// A code check: grouped, not awaited.
        case check
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let kind = Self.kind(of: request) else { return try await next(request, context) }
        var route = request.uri.path
        if let query = request.uri.query, !query.isEmpty { route += "?" + query }
        let key = trail.nextKey()
        let note = context.auditNote
        var call = AuditTrail.Call(
            performer: await trail.performer(of: MarkingService.bearer(request.headers) ?? sessions?.secret(of: request)), ip: context.clientIP,
            method: request.method.rawValue, route: route, status: 500, count: nil)
        var attachment: AuditAttachment?
        if kind == .mutation {
            let predicted = Self.successStatus(of: request), pending = call
            attachment = AuditAttachment(ms: key.ms, sequence: key.sequence) {
                var line = pending
                line.status = predicted
                line.count = note.count
                return AuditTrail.line(line, at: key)
            }
        }
        let response: Response
        do {
            response = try await AuditAttachment.$current.withValue(attachment) { try await next(request, context) }
        } catch {
            call.status = ProblemMiddleware<Context>.problem(for: error).status.code
            call.count = note.count
            try await settle(call, kind: kind, key: key, attachment: attachment)
            throw error
        }
        call.status = response.status.code
        call.count = note.count
        try await settle(call, kind: kind, key: key, attachment: attachment)
        return response
    }

    private func settle(_ call: AuditTrail.Call, kind: Kind, key: AuditTrail.Key, attachment: AuditAttachment?) async throws {
        if kind == .check {
            trail.record(call)
        } else {
            try await trail.settle(call, at: key, committed: attachment?.committed)
        }
    }

    /// How `request` is recorded; `nil` for a read that is not.
    static func kind(of request: Request) -> Kind? {
        let path = request.uri.path
        if path.hasPrefix("/api/v1/codes") { return .check }
        if request.method != .get && request.method != .head { return .mutation }
        if path.hasPrefix("/api/v1/orders/") || path.hasPrefix("/cabinet/orders/"), path.hasSuffix("/codes") { return .download }
        return nil
    }

    /// Whether `request` is recorded.
    static func isAudited(_ request: Request) -> Bool { kind(of: request) != nil }

    /// The status a mutating call answers when it succeeds, written into the line its
    /// changeset carries: `202` for a new document (accepted, then run), `200` for a
    /// shipment's answer, `201` for other creations, `204` for a deletion, `200`
    /// otherwise. A call that answers another status has its line rewritten, under
    /// the same key, before the answer.
    static func successStatus(of request: Request) -> Int {
        let path = request.uri.path
        switch request.method {
        case .post where path == "/api/v1/documents": return 202
        case .post where path.hasPrefix("/api/v1/documents/"): return 200
        case .post, .put: return 201
        case .delete: return 204
        default: return 200
        }
    }
}

/// The sessions of pages served beside the API (the web application): the token a
/// request's session was opened with, so the audit trail records a page's call as
/// its participant's. The token stays server-side; only the session id travels.
public protocol PageSessions: Sendable {
    /// The token of the live session `request` carries, `nil` without one.
    func secret(of request: Request) -> BearerSecret?
}
