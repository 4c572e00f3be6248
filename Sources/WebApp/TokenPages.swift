import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// `GET /cabinet/tokens`, `POST /cabinet/tokens` (issue a second token, shown once
    /// on the answer page and nowhere else), `POST /cabinet/tokens/{id}/revoke`.
    func addTokenPages(to router: Router<APIRequestContext>) {
        router.get("/cabinet/tokens") { request, context in
            await respond(request, context) { visit in try await tokensPage(visit, extra: [:]) }
        }
        router.post("/cabinet/tokens") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let participant = try visit.participant()
                let tokens = service.tokens
                let (_, secret) = try await service.blocking { try tokens.issue(for: participant.id) }
                return try await tokensPage(visit, extra: ["newSecret": secret.text, "notice": text("token_issued", visit)], status: .created)
            }
        }
        router.post("/cabinet/tokens/{id}/revoke") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let participant = try visit.participant()
                guard let id = context.parameters.get("id").flatMap({ UInt64($0) }) else { throw WebFailure.notFound }
                let tokens = service.tokens
                try await service.blocking { try tokens.revoke(id, of: participant.id) }
                return redirect("/cabinet/tokens?revoked=1", visit)
            }
        }
    }

    func tokensPage(_ visit: Visit, extra: [String: Any], status: HTTPResponse.Status = .ok) async throws -> Response {
        let participant = try visit.participant()
        let tokens = service.tokens
        let active = try await service.blocking { try tokens.active(for: participant.id) }
        var values = extra
        values["tokens"] = active.map { ["id": $0.id, "created": date($0.createdAt, visit)] }
        if values["notice"] == nil, visit.request.uri.queryParameters.get("revoked") != nil { values["notice"] = text("token_revoked", visit) }
        return page("tokens", visit, title: text("tokens_title", visit), values: values, status: status)
    }
}
