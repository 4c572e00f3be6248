import Foundation
import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// `GET /cabinet/analytics?from=&to=` (decree App. 3 C11, C12): a participant's
    /// codes by status, by GTIN and per day; for the admin the nation's, or with
    /// `participant=ID` one participant's, and the table of all participants.
    /// `GET /cabinet/analytics/{statuses,gtins,days,participants}.csv` (same filters)
    /// downloads a part as CSV with the session's rights: the browser never holds a token.
    ///
    /// Both ask through the service's analytics calls, the ones the JSON API uses, so
    /// the filters are checked by one set of rules (a bad date or period is a localized
    /// 400 page) and a participant never sees another's counts (`auth.forbidden`).
    func addAnalyticsPages(to router: Router<APIRequestContext>) {
        router.get("/cabinet/analytics") { request, context in
            await respond(request, context) { visit in
                let caller = try visit.signedIn()
                let values = try await analyticsValues(caller: caller, filters: Self.analyticsFilters(request), language: visit.language)
                return page("analytics", visit, title: text("nav_analytics", visit), values: values)
            }
        }
        router.get("/cabinet/analytics/{file}") { request, context in
            await respond(request, context) { visit in
                let caller = try visit.signedIn()
                guard let file = context.parameters.get("file"), file.hasSuffix(".csv"),
                      let part = MarkingService.AnalyticsPart(rawValue: String(file.dropLast(4)))
                else { throw WebFailure.notFound }
                let query = try await service.analyticsQuery(Self.analyticsFilters(request), caller: caller)
                let export = try await service.analyticsExport(part, query, caller: caller)
                var headers = HTTPFields()
                headers[.contentType] = "text/csv; charset=utf-8"
                headers[.contentDisposition] = "attachment; filename=\"\(export.fileName)\""
                headers[.cacheControl] = "no-store"
                headers[.init("X-Content-Type-Options")!] = "nosniff"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: export.text)))
            }
        }
    }

    /// The analytics page of `caller` for `filters` (a query string of `from`, `to`,
    /// `participant`) in `language`, as the route renders it: `marking-bench analytics`
    /// times this on a large store.
    @_spi(Benchmark)
    public func analyticsPageHTML(caller: Caller, filters: String, language: Language) async throws -> String {
        let values = try await analyticsValues(caller: caller, filters: filters, language: language)
        return render(
            "analytics", language: language, caller: caller, title: catalogue.text("nav_analytics", language), values: values,
            formToken: "", back: "/cabinet/analytics?" + filters)
    }

    /// The page's values: the service's summary of the checked filters, and for the
    /// admin the participants' table, drawn by ``AnalyticsView``.
    func analyticsValues(caller: Caller, filters: String, language: Language) async throws -> [String: Any] {
        let query = try await service.analyticsQuery(filters, caller: caller)
        let summary = try await service.analyticsSummary(query)
        var view = AnalyticsView(summary: summary, catalogue: catalogue, language: language)
        switch (caller, query.scope) {
        case (.participant(let participant), _):
            view.scopeName = participant.name
        case (.admin, let scope):
            view.isAdmin = true
            view.participants = try await service.analyticsParticipants(caller: caller)
            if case .participant(let id) = scope {
                let directory = service.participants
                view.scopeName = try await service.blocking { try directory.participant(id)?.name } ?? "\(id)"
            }
        }
        return view.values
    }

    /// The filters of `request` that an analytics query takes (`from`, `to`,
    /// `participant`), empty ones left out (a form sends an empty date when cleared,
    /// and the nation as an empty participant), as a query string.
    static func analyticsFilters(_ request: Request) -> String {
        let parameters = request.uri.queryParameters
        return ["participant", "from", "to"].compactMap { name in
            parameters.get(name).flatMap { $0.isEmpty ? nil : "\(name)=\(queryEncoded(String($0)))" }
        }.joined(separator: "&")
    }
}
