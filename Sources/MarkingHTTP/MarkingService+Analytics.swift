import MarkingCore

/// The analytics counts (decree App. 3 C11, C12) as the JSON API and the web
/// application ask for them: one query path, so a page and a route check the same
/// parameters, see the same scope and read the same counters.
extension MarkingService {
    /// The parts of the counts that export as CSV.
    public enum AnalyticsPart: String, Sendable, CaseIterable {
        case statuses, gtins, days, participants
    }

    /// A CSV export: its file name and its text.
    public struct AnalyticsExport: Sendable {
        public var fileName: String
        public var text: String
    }

    /// Today, UTC, as a day number: where a period ends by default.
    public static var analyticsToday: UInt32 { DayCounts.day(milliseconds: MarkingStore.now()) }

    /// The checked `query` (an `/analytics/...` query string: `participant`, `scope`,
    /// `from`, `to`, `format`) for `caller`: a participant sees its own codes only; an
    /// admin asking for a participant that does not exist is `participant.unknown`.
    public func analyticsQuery(_ query: String?, caller: Caller) async throws -> AnalyticsQuery {
        let checked = try AnalyticsQuery(query, caller: caller, today: Self.analyticsToday)
        if caller == .admin, case .participant(let id) = checked.scope {
            let directory = participants
            guard try await blocking({ try directory.participant(id) }) != nil else {
                throw Problem(.participants.unknown, detail: "there is no participant \(id)", pointer: "participant")
            }
        }
        return checked
    }

    /// Everything an analytics page shows for the query's scope and period.
    public func analyticsSummary(_ query: AnalyticsQuery) async throws -> AnalyticsReport.Summary {
        let store = self.store
        return try await blocking { try AnalyticsReport.summary(store, query) }
    }

    /// Every participant that owns codes, with its name and codes per status; the
    /// admin's only (`auth.admin_only`).
    public func analyticsParticipants(caller: Caller) async throws -> [AnalyticsReport.ParticipantRow] {
        try caller.requireAdmin()
        let store = self.store, directory = participants
        return try await blocking { try AnalyticsReport.participants(store, directory) }
    }

    /// One part of the counts of the query's scope as CSV (`participants`: the admin's only).
    public func analyticsExport(_ part: AnalyticsPart, _ query: AnalyticsQuery, caller: Caller) async throws -> AnalyticsExport {
        let store = self.store
        let text: String
        switch part {
        case .statuses:
            text = AnalyticsCSV.statuses(AnalyticsReport.Statuses(try await blocking { try store.statusCounts(query.scope) }))
        case .gtins:
            text = AnalyticsCSV.gtins(try await blocking { try AnalyticsReport.gtins(store, query.scope) })
        case .days:
            text = AnalyticsCSV.days(try await blocking { try AnalyticsReport.days(store, query.scope, from: query.from, to: query.to) })
        case .participants:
            text = AnalyticsCSV.participants(try await analyticsParticipants(caller: caller))
        }
        let scope = switch (part, query.scope) {
        case (.participants, _), (_, .national): "national"
        case (_, .participant(let id)): "participant-\(id)"
        }
        return AnalyticsExport(fileName: "analytics-\(scope)-\(part.rawValue).csv", text: text)
    }
}
