import Foundation
import Hummingbird
import MarkingCore

/// `POST /violations` (public): a report of a suspected fake, stored and audited.
/// `GET /violations?after&limit` (admin): the reports, oldest first.
struct ViolationRoutes {
    let service: MarkingService

    /// The body of `POST /violations`.
    struct ViolationInput: JSONInput {
        var code: String
        var place: String?
        var comment: String?
        static let fields: Set<String> = ["code", "place", "comment"]
    }

    /// The longest `code` kept, in bytes: far above any real code, so a report of a
    /// damaged label is kept whole while a body of garbage is refused.
    static let maximumCodeLength = 200
    static let maximumPlaceLength = 300
    static let maximumCommentLength = 2000

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("violations") { request, context in try await report(request, context) }
        group.get("violations") { request, _ in
            try await service.caller(of: request).requireAdmin()
            let page = try PageQuery(request.uri.query, maximum: ViolationReports.pageLimit, of: "a report")
            let reports = service.violations
            let list = try await service.blocking { try reports.list(after: page.after, limit: page.limit) }
            return try JSONAnswer.response(["reports": list])
        }
    }

    private func report(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let input = try await ViolationInput.decode(from: request)
        let stored = try await service.reportViolation(code: input.code, place: input.place, comment: input.comment, ip: context.clientIP)
        context.auditNote.count = 1
        return try JSONAnswer.response(stored, status: .created, headers: [.location: "/api/v1/violations/\(stored.id)"])
    }

    /// An optional free text, trimmed; `violation.text` when blank or too long.
    static func text(_ value: String?, _ name: String, limit: Int) throws(Problem) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= limit else {
            throw Problem(.violations.text, detail: "\(name) has 1 to \(limit) characters", pointer: "/\(name)")
        }
        return trimmed
    }
}
