import Foundation
import Hummingbird
import MarkingCore

/// `GET /analytics/summary|statuses|gtins|days` (a participant: its own codes; the
/// admin: the nation, or a participant with `participant=ID`) and
/// `GET /analytics/participants` (admin), and `GET /analytics/page`: the summary as a
/// small HTML page with SVG charts (`lang=kk|ru|en` or `Accept-Language`): the counts of decree App. 3 C11 and C12, as
/// JSON or, with `format=csv`, as a CSV download (`summary` is JSON only).
///
/// Every answer reads the counters the committer keeps in the batch of each change
/// (`AnalyticsStorage.swift`), never the codes.
struct AnalyticsRoutes {
    let service: MarkingService

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("analytics/summary") { request, _ in
            let query = try await query(request)
            guard query.format == .json else {
                throw Problem(.analytics.format, detail: "the summary is JSON only; the parts export as CSV", pointer: "format")
            }
            let store = service.store
            return try JSONAnswer.response(try await service.blocking { try AnalyticsReport.summary(store, query) })
        }
        group.get("analytics/page") { request, _ in
            let query = try await query(request)
            let store = service.store
            let summary = try await service.blocking { try AnalyticsReport.summary(store, query) }
            let language = PercentDecoding.queryValue("lang", in: request.uri.query)
                .flatMap { Language(rawValue: String(decoding: $0, as: UTF8.self)) } ?? Language(request.headers)
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue],
                body: ResponseBody(byteBuffer: ByteBuffer(string: AnalyticsPage.document(summary, language: language))))
        }
        group.get("analytics/statuses") { request, _ in
            let query = try await query(request)
            let store = service.store
            let counts = AnalyticsReport.Statuses(try await service.blocking { try store.statusCounts(query.scope) })
            if query.format == .csv { return csv(AnalyticsCSV.statuses(counts), name: "statuses", query) }
            let (scope, participant) = AnalyticsReport.scopeName(query.scope)
            return try JSONAnswer.response(Scoped(scope: scope, participant: participant, statuses: counts.statuses, total: counts.total))
        }
        group.get("analytics/gtins") { request, _ in
            let query = try await query(request)
            let store = service.store
            let rows = try await service.blocking { try AnalyticsReport.gtins(store, query.scope) }
            if query.format == .csv { return csv(AnalyticsCSV.gtins(rows), name: "gtins", query) }
            let (scope, participant) = AnalyticsReport.scopeName(query.scope)
            return try JSONAnswer.response(Scoped(scope: scope, participant: participant, gtins: rows))
        }
        group.get("analytics/days") { request, _ in
            let query = try await query(request)
            let store = service.store
            let rows = try await service.blocking { try AnalyticsReport.days(store, query.scope, from: query.from, to: query.to) }
            if query.format == .csv { return csv(AnalyticsCSV.days(rows), name: "days", query) }
            let (scope, participant) = AnalyticsReport.scopeName(query.scope)
            return try JSONAnswer.response(
                Scoped(scope: scope, participant: participant, from: rows.first?.date, to: rows.last?.date, days: rows))
        }
        group.get("analytics/participants") { request, _ in
            let caller = try await service.caller(of: request)
            try caller.requireAdmin()
            let query = try AnalyticsQuery(request.uri.query, caller: caller, today: Self.today)
            let store = service.store, directory = service.participants
            let rows = try await service.blocking { try AnalyticsReport.participants(store, directory) }
            if query.format == .csv { return csv(AnalyticsCSV.participants(rows), name: "participants", query) }
            return try JSONAnswer.response(["participants": rows])
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

    /// Today, UTC, as a day number.
    static var today: UInt32 { DayCounts.day(milliseconds: MarkingStore.now()) }

    /// The checked query of `request`; an admin asking for a participant that does not
    /// exist is `participant.unknown`.
    private func query(_ request: Request) async throws -> AnalyticsQuery {
        let caller = try await service.caller(of: request)
        let query = try AnalyticsQuery(request.uri.query, caller: caller, today: Self.today)
        if caller == .admin, case .participant(let id) = query.scope {
            let directory = service.participants
            guard try await service.blocking({ try directory.participant(id) }) != nil else {
                throw Problem(.participants.unknown, detail: "there is no participant \(id)", pointer: "participant")
            }
        }
        return query
    }

    private func csv(_ text: String, name: String, _ query: AnalyticsQuery) -> Response {
        let scope = switch query.scope {
        case .national: "national"
        case .participant(let id): "participant-\(id)"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"analytics-\(scope)-\(name).csv\"",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
