import Hummingbird

/// Records every mutating call and every code check in the ``AuditTrail``: the
/// outermost middleware, so it sees the status that was really answered, problems
/// included. Reads of the catalog, orders and documents are not recorded.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let trail: AuditTrail

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isAudited(request) else { return try await next(request, context) }
        var route = request.uri.path
        if let query = request.uri.query, !query.isEmpty { route += "?" + query }
        var call = AuditTrail.Call(
            secret: MarkingService.bearer(request.headers), ip: context.clientIP, method: request.method.rawValue,
            route: route, status: 500, count: nil)
        do {
            let response = try await next(request, context)
            call.secret = call.secret ?? context.auditNote.secret
            call.status = response.status.code
            call.count = context.auditNote.count
            trail.record(call)
            return response
        } catch {
            call.secret = call.secret ?? context.auditNote.secret
            call.status = ProblemMiddleware<Context>.problem(for: error).status.code
            call.count = context.auditNote.count
            trail.record(call)
            throw error
        }
    }

    /// Whether `request` is recorded: anything but a read, and every code check.
    static func isAudited(_ request: Request) -> Bool {
        if request.method != .get && request.method != .head { return true }
        return request.uri.path.hasPrefix("/api/v1/codes")
    }
}
