import Foundation
import Hummingbird
import MarkingCore
import MarkingHTTP
import OwnershipBatch

extension WebApp {
    /// `GET /cabinet/documents` (this browser's documents and the form),
    /// `POST /cabinet/documents` (the form with pasted codes, without JavaScript),
    /// `POST /cabinet/documents/upload?type=…` (a code-list file streamed by the page's
    /// script, with an upload progress bar), `GET /cabinet/documents/{id}` and its
    /// `status` (JSON for the progress bar), `POST …/accept|reject` for a shipment.
    func addDocumentPages(to router: Router<APIRequestContext>) {
        router.get("/cabinet/documents") { request, context in
            await respond(request, context) { visit in try await documentsPage(visit, extra: [:]) }
        }
        router.post("/cabinet/documents") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let participant = try visit.participant()
                var entered: [String: Any] = [:]
                for name in ["number", "date", "receiver", "package", "codes"] { entered["entered_" + name] = form[name] ?? "" }
                let codesText = form["codes"] ?? ""
                guard !codesText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    entered["error"] = text("document_no_codes", visit)
                    return try await documentsPage(visit, extra: entered, status: .unprocessableContent)
                }
                do {
                    let fields = try documentFields(form)
                    let lines = codesText.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                    let (document, _) = try await service.submitDocument(fields, codes: CodeList(lines), by: participant)
                    if let session = visit.session { sessions.remember(document: document.id, in: session.id) }
                    return redirect("/cabinet/documents/\(document.id)", visit)
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    entered["error"] = words.title + ". " + words.detail
                    return try await documentsPage(visit, extra: entered, status: problem.status.code >= 500 ? problem.status : .unprocessableContent)
                }
            }
        }
        router.post("/cabinet/documents/upload") { request, context in await upload(request, context) }
        router.get("/cabinet/documents/{id}") { request, context in
            await respond(request, context) { visit in
                let caller = try visit.signedIn()
                guard let id = context.parameters.get("id").flatMap({ UInt64($0) }) else { throw WebFailure.notFound }
                let (document, progress) = try await service.visibleDocument(id, to: caller)
                return page("document", visit, title: text("document_title", visit, document.number), values: documentValues(document, progress, visit))
            }
        }
        router.get("/cabinet/documents/{id}/status") { request, context in
            await respondJSON(request, context) { visit in
                let caller = try visit.signedIn()
                guard let id = context.parameters.get("id").flatMap({ UInt64($0) }) else { throw WebFailure.notFound }
                let (document, progress) = try await service.visibleDocument(id, to: caller)
                return [
                    "state": document.state.rawValue, "stateText": text("state_" + document.state.rawValue, visit),
                    "completed": progress.map { min($0.completed, $0.total) } ?? (document.state == .inProgress ? 0 : 1),
                    "total": progress?.total ?? 1, "final": document.state != .inProgress,
                ]
            }
        }
        for (action, accepting) in [("accept", true), ("reject", false)] {
            router.post("/cabinet/documents/{id}/\(action)") { request, context in
                await respond(request, context) { visit in
                    let form = try await FormFields.read(request)
                    try visit.verifyPost(token: form["csrf"])
                    let participant = try visit.participant()
                    guard let id = context.parameters.get("id").flatMap({ UInt64($0) }) else { throw WebFailure.notFound }
                    _ = try await service.answerShipment(id, accepting: accepting, by: participant)
                    return redirect("/cabinet/documents/\(id)", visit)
                }
            }
        }
    }

    /// The document fields of the form (or of an upload's query), blank ones left out.
    func documentFields(_ form: FormFields) throws(Problem) -> DocumentFields {
        var receiver: UInt32?
        if let text = form.optional("receiver") {
            guard let value = UInt32(text) else { throw Problem(.request.wrongType, detail: "receiver must be a participant id", pointer: "receiver") }
            receiver = value
        }
        return DocumentFields(
            type: form["type"] ?? "", number: form["number"] ?? "", receiver: receiver, reason: form.optional("reason"),
            date: form.optional("date"), customsDeclaration: form.optional("customsDeclaration"),
            customsDeclarationDate: form.optional("customsDeclarationDate"), productionDate: form.optional("productionDate"),
            package: form.optional("package"), acceptance: form["acceptance"] == "true" ? true : nil)
    }

    /// A code-list file streamed by the page's script: fields in the query, the file
    /// as the body (`text/plain` or `application/x-ndjson`), the form token in
    /// `X-CSRF-Token`. Answers JSON: the document's page, or a localized error.
    func upload(_ request: Request, _ context: APIRequestContext) async -> Response {
        await respondJSON(request, context) { visit in
            try visit.verifyPost(token: request.headers[.init("X-CSRF-Token")!])
            let participant = try visit.participant()
            let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let format: CodeListBody.Format
            switch mediaType {
            case "text/plain": format = .text
            case "application/x-ndjson": format = .ndjson
            default: throw WebFailure.fileType
            }
            let fields = try documentFields(FormFields(request.uri.query))
            try fields.check(participant: participant.id, pointer: { $0 })
            let uploads = service.uploads
            guard uploads.acquire() else { throw uploads.busy }
            var holdsSlot = true
            defer { if holdsSlot { uploads.release() } }
            let codes = try await CodeListBody.read(request, format: format)
            holdsSlot = false
            let (document, _) = try await service.submitDocument(fields, codes: codes, by: participant, holdsUploadSlot: true)
            if let session = visit.session { sessions.remember(document: document.id, in: session.id) }
            return ["location": "/cabinet/documents/\(document.id)"]
        }
    }

    /// Like ``respond(_:_:)`` for the script's calls: a JSON object, or
    /// `{"error": "…"}` in the visitor's language with the failure's status.
    func respondJSON(_ request: Request, _ context: APIRequestContext, _ body: (Visit) async throws -> [String: Any]) async -> Response {
        let visit = await self.visit(request, context)
        var status = HTTPResponse.Status.ok
        var object: [String: Any]
        do {
            object = try await body(visit)
        } catch let failure as WebFailure {
            status = failure.status
            object = ["error": text(failure.textKey, visit)]
        } catch let problem as Problem {
            status = problem.status
            let words = problem.code.text(in: visit.language)
            object = ["error": words.title + ". " + words.detail]
        } catch {
            logger.error("call failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            status = .internalServerError
            object = ["error": text("error_server", visit)]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store", .contentLanguage: visit.language.rawValue],
            body: .init(byteBuffer: .init(bytes: data)))
    }

    func documentsPage(_ visit: Visit, extra: [String: Any], status: HTTPResponse.Status = .ok) async throws -> Response {
        let caller = try visit.signedIn()
        var documents: [[String: Any]] = []
        for id in visit.session?.documents ?? [] {
            if let (document, _) = try? await service.visibleDocument(id, to: caller) {
                documents.append([
                    "id": document.id, "number": document.number, "type": text("doc_" + document.type.rawValue, visit),
                    "state": text("state_" + document.state.rawValue, visit), "created": date(document.createdAt, visit),
                ])
            }
        }
        var values = extra
        values["documents"] = documents
        values["empty"] = documents.isEmpty
        values["types"] = DocumentType.allCases.map { ["value": $0.rawValue, "label": text("doc_" + $0.rawValue, visit)] }
        values["reasons"] = ExitReason.allCases.map { ["value": $0.name] }
        return page("documents", visit, title: text("documents_title", visit), values: values, status: status)
    }

    func documentValues(_ document: Document, _ progress: JobProgress?, _ visit: Visit) -> [String: Any] {
        var values: [String: Any] = [
            "id": document.id, "number": document.number, "type": text("doc_" + document.type.rawValue, visit),
            "stateCode": document.state.rawValue, "state": text("state_" + document.state.rawValue, visit),
            "lines": document.lines, "applied": document.applied, "created": date(document.createdAt, visit),
            "running": document.state == .inProgress,
            "refusals": document.refusals.sorted { $0.value > $1.value }.map { ["reason": text("refusal_" + $0.key.rawValue, visit), "count": $0.value] },
            // The admin sees whose codes were refused; a participant the refusals without them.
            "firstRefused": (visit.caller == .admin ? document.firstRefused : document.firstRefused.map(\.forParticipant)).prefix(20).map {
                ["line": $0.line, "code": $0.code, "reason": text("refusal_" + $0.reason.rawValue, visit)]
            },
            "completed": progress.map { min($0.completed, $0.total) } ?? 0, "total": max(progress?.total ?? 1, 1),
        ]
        if let finishedAt = document.finishedAt { values["finished"] = date(finishedAt, visit) }
        if document.state == .waitAcceptance, visit.caller?.participantID == document.receiver { values["canAnswer"] = true }
        values["hasRefusals"] = !document.refusals.isEmpty
        return values
    }
}
