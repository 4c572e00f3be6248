import Foundation
import Hummingbird
import Logging
import MarkingCore
import OwnershipBatch

/// `POST /documents`, `GET /documents/{id}` and `POST /documents/{id}/accept|reject`:
/// the life-cycle jobs of the engine.
///
/// A document is submitted by the participant whose token calls (never one named in
/// the body), answered `202` with its id as soon as it is stored `IN_PROGRESS`, and
/// checked and applied on the job queue; polling `GET /documents/{id}` shows it reach
/// `CHECKED_OK` or `CHECKED_NOT_OK`, or `WAIT_ACCEPTANCE` for a transfer with
/// `acceptance`, which its receiver then accepts (`CHECKED_OK`) or rejects
/// (`REJECTED`). Only its participant and the admin may read it, and the receiver of
/// such a shipment.
/// A streamed code list needs one of the service's ``UploadSlots`` (`429
/// request.busy` when all are taken); a JSON document, at most 1 MiB, does not.
struct DocumentRoutes {
    let service: MarkingService

    /// A document as answered.
    struct DocumentAnswer: Encodable {
        var id: UInt64
        var type: String
        var participant: UInt32
        var number: String
        var date: String?
        var receiver: UInt32?
        var acceptance: Bool?
        var reason: String?
        var customsDeclaration: String?
        var customsDeclarationDate: String?
        var productionDate: String?
        var package: String?
        var state: String
        var lines: Int
        var applied: Int
        /// Refused codes per reason.
        var refusals: [String: Int]
        var firstRefused: [Refusal]
        var createdAt: String
        var finishedAt: String?
        var acceptedAt: String?
        var rejectedAt: String?
        /// Steps done and to do (each code is read, checked and written), while the
        /// document runs.
        var progress: Progress?

        struct Progress: Encodable {
            var completed: Int
            var total: Int
        }

        /// `showsParties`: the admin sees whose codes were refused and which shipment
        /// holds them; a participant sees the refusals without them.
        init(_ document: Document, progress: JobProgress? = nil, showsParties: Bool = false) {
            id = document.id
            type = document.type.rawValue
            participant = document.participant
            number = document.number
            date = document.date
            receiver = document.receiver
            acceptance = document.acceptance
            reason = document.reason
            customsDeclaration = document.customsDeclaration
            customsDeclarationDate = document.customsDeclarationDate
            productionDate = document.productionDate
            package = document.package
            state = document.state.rawValue
            lines = document.lines
            applied = document.applied
            refusals = Dictionary(uniqueKeysWithValues: document.refusals.map { ($0.key.rawValue, $0.value) })
            firstRefused = showsParties ? document.firstRefused : document.firstRefused.map(\.forParticipant)
            createdAt = JSONAnswer.timestamp(document.createdAt)
            finishedAt = document.finishedAt.map(JSONAnswer.timestamp)
            acceptedAt = document.acceptedAt.map(JSONAnswer.timestamp)
            rejectedAt = document.rejectedAt.map(JSONAnswer.timestamp)
            if document.state == .inProgress, let progress {
                self.progress = Progress(completed: min(progress.completed, progress.total), total: progress.total)
            }
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("documents") { request, context in try await submit(request, context) }
        group.get("documents/{id}") { request, context in
            let caller = try await service.caller(of: request)
            let id: UInt64 = try context.parameters.number("id")
            let (document, progress) = try await service.visibleDocument(id, to: caller)
            return try JSONAnswer.response(DocumentAnswer(document, progress: progress, showsParties: caller == .admin))
        }
        group.post("documents/{id}/accept") { request, context in try await answer(request, context, accepting: true) }
        group.post("documents/{id}/reject") { request, context in try await answer(request, context, accepting: false) }
    }

    /// The receiver's answer to a shipment waiting for acceptance. It waits for the
    /// engine's commit lock like a document, so it runs on the job queue, not on the
    /// workers that answer code checks.
    private func answer(_ request: Request, _ context: APIRequestContext, accepting: Bool) async throws -> Response {
        let caller = try await service.caller(of: request)
        let id: UInt64 = try context.parameters.number("id")
        guard case .participant(let participant) = caller else { throw Problem(.auth.participantOnly) }
        return try JSONAnswer.response(DocumentAnswer(try await service.answerShipment(id, accepting: accepting, by: participant)))
    }

    /// The media type of a request body, without parameters, lowercased.
    static func mediaType(_ request: Request) -> String {
        let value = request.headers[.contentType] ?? "application/json"
        return value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    private func submit(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try await service.caller(of: request)
        guard case .participant(let participant) = caller else { throw Problem(.auth.participantOnly) }
        let fields: DocumentFields
        let codes: CodeList
        let pointer: @Sendable (String) -> String
        // A streamed list holds an upload slot from before its first byte is read
        // until its job returns; until the job is started, giving it back is ours.
        let uploads = service.uploads
        var holdsSlot = false
        defer { if holdsSlot { uploads.release() } }
        switch Self.mediaType(request) {
        case "application/json":
            let hasQuery = !(request.uri.query ?? "").isEmpty
            guard !hasQuery else {
                throw Problem(.request.parameter, detail: "a JSON document carries its fields in the body, not in the query", pointer: "query")
            }
            let input = try await DocumentInput.decode(from: request)
            fields = input.documentFields
            codes = CodeList(input.codes)
            if input.codes.count != codes.count {
                throw Problem(.documents.codeLine, detail: "every entry of codes must be one code on one line", pointer: "/codes")
            }
            pointer = { "/" + $0 }
        case "text/plain", "application/x-ndjson":
            fields = try DocumentFields(query: request.uri.query)
            try fields.check(participant: participant.id, pointer: { $0 })
            guard uploads.acquire() else { throw uploads.busy }
            holdsSlot = true
            codes = try await CodeListBody.read(request, format: Self.mediaType(request) == "text/plain" ? .text : .ndjson)
            pointer = { $0 }
        default:
            throw Problem(.request.mediaType, detail: "send the document as application/json, or its codes as text/plain or application/x-ndjson")
        }
        context.auditNote.count = codes.count
        let slot = holdsSlot
        holdsSlot = false
        let (opened, isNew) = try await service.submitDocument(fields, codes: codes, by: participant, holdsUploadSlot: slot, pointer: pointer)
        return try JSONAnswer.response(
            DocumentAnswer(opened), status: isNew ? .accepted : .ok, headers: [.location: "/api/v1/documents/\(opened.id)"])
    }
}
