import Foundation
import Hummingbird
import MarkingCore

/// `GET /analytics/summary|statuses|gtins|days` (a participant: its own codes; the
/// admin: the nation, or a participant with `participant=ID`) and
/// `GET /analytics/participants` (admin): the counts of decree App. 3 C11 and C12, as
/// JSON or, with `format=csv`, as a CSV download (`summary` is JSON only). The web
/// application draws them as pages (`/cabinet/analytics`); both ask through the
/// service's analytics calls (`MarkingService+Analytics.swift`).
///
/// Every answer reads the counters the committer keeps in the batch of each change
/// (`AnalyticsStorage.swift`), never the codes.
struct AnalyticsRoutes {
    let service: MarkingService

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("analytics/summary") { request, _ in
            let (query, _) = try await query(request)
            guard query.format == .json else {
                throw Problem(.analytics.format, detail: "the summary is JSON only; the parts export as CSV", pointer: "format")
            }
            return try JSONAnswer.response(try await service.analyticsSummary(query))
        }
        group.get("analytics/statuses") { request, _ in
            let (query, caller) = try await query(request)
            if query.format == .csv { return try await csv(.statuses, query, caller) }
            let store = service.store
            let counts = AnalyticsReport.Statuses(try await service.blocking { try store.statusCounts(query.scope) })
            let (scope, participant) = AnalyticsReport.scopeName(query.scope)
            return try JSONAnswer.response(Scoped(scope: scope, participant: participant, statuses: counts.statuses, total: counts.total))
        }
        group.get("analytics/gtins") { request, _ in
            let (query, caller) = try await query(request)
            if query.format == .csv { return try await csv(.gtins, query, caller) }
            let store = service.store
            let rows = try await service.blocking { try AnalyticsReport.gtins(store, query.scope) }
            let (scope, participant) = AnalyticsReport.scopeName(query.scope)
            return try JSONAnswer.response(Scoped(scope: scope, participant: participant, gtins: rows))
        }
        group.get("analytics/days") { request, _ in
            let (query, caller) = try await query(request)
            if query.format == .csv { return try await csv(.days, query, caller) }
            let store = service.store
            let rows = try await service.blocking { try AnalyticsReport.days(store, query.scope, from: query.from, to: query.to) }
            let (scope, participant) = AnalyticsReport.scopeName(query.scope)
            return try JSONAnswer.response(
                Scoped(scope: scope, participant: participant, from: rows.first?.date, to: rows.last?.date, days: rows))
        }
        group.get("analytics/participants") { request, _ in
            let caller = try await service.caller(of: request)
            try caller.requireAdmin()
            let query = try AnalyticsQuery(request.uri.query, caller: caller, today: MarkingService.analyticsToday)
            if query.format == .csv { return try await csv(.participants, query, caller) }
            return try JSONAnswer.response(["participants": try await service.analyticsParticipants(caller: caller)])
        }
    }

    /// An answer naming its scope, with the one part asked for.
    struct Scoped: Encodable {
        var scope: String
        var participant: UInt32?
        var statuses: [String: Int64]?
        var total: Int64?
        var gtins: [AnalyticsReport.GTINRow]?
        var from: String?
        var to: String?
        var days: [AnalyticsReport.DayRow]?
    }

    /// The checked query of `request` and its caller.
    private func query(_ request: Request) async throws -> (AnalyticsQuery, Caller) {
        let caller = try await service.caller(of: request)
        return (try await service.analyticsQuery(request.uri.query, caller: caller), caller)
    }

    private func csv(_ part: MarkingService.AnalyticsPart, _ query: AnalyticsQuery, _ caller: Caller) async throws -> Response {
        let export = try await service.analyticsExport(part, query, caller: caller)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(export.fileName)\""],
            body: ResponseBody(byteBuffer: ByteBuffer(string: export.text)))
    }
}
