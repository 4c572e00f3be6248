import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// `GET /signin`, `POST /signin` (the token in a form field, never a URL),
    /// `POST /signout`, and `GET /cabinet`. The admin signs in with the admin token
    /// through the same form.
    func addSignIn(to router: Router<APIRequestContext>) {
        router.get("/signin") { request, context in
            await respond(request, context) { visit in
                page("signin", visit, title: text("signin_title", visit), values: [
                    "back": Self.localPath(request.uri.queryParameters.get("back")),
                    "notice": request.uri.queryParameters.get("out") == nil ? "" : text("signed_out", visit),
                ])
            }
        }
        router.post("/signin") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let secret = BearerSecret(text: (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
                guard !secret.text.isEmpty, secret.text.utf8.count <= 512, (try? await service.caller(secret: secret)) != nil else {
                    return page("signin", visit, title: text("signin_title", visit), values: ["failed": text("signin_failed", visit)], status: .unauthorized)
                }
                if let old = visit.session { sessions.close(old.id) }
                let session = sessions.open(secret: secret)
                var next = visit
                next.cookies.append(visit.cookie(Visit.sessionCookie, session.id))
                let back = Self.localPath(form["back"])
                return redirect(back == "/" || back.hasPrefix("/signin") ? "/cabinet" : back, next)
            }
        }
        router.post("/signout") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                if let session = visit.session { sessions.close(session.id) }
                var next = visit
                next.cookies.append(visit.cookie(Visit.sessionCookie, "", maxAge: 0))
                return redirect("/signin?out=1", next)
            }
        }
        router.get("/cabinet") { request, context in
            await respond(request, context) { visit in
                let caller = try visit.signedIn()
                var values: [String: Any] = [:]
                if case .participant(let participant) = caller {
                    values["participant"] = [
                        "name": participant.name, "bin": participant.bin, "id": participant.id,
                        "roles": participant.roles.map { text("role_" + $0.rawValue, visit) }.joined(separator: ", "),
                    ]
                }
                return page("cabinet", visit, title: text("cabinet_title", visit), values: values)
            }
        }
    }
}
