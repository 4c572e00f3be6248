import Foundation
import Hummingbird
import Logging
import MarkingCore
import MarkingHTTP
import Mustache
import Texts

/// The web application of decree App. 3 C15/C16: a public code check, the
/// participant's cabinet and printable labels, in Kazakh, Russian and English,
/// rendered on the server (Mustache templates shipped as resources) beside the JSON
/// API of the same ``MarkingHTTP/MarkingService``. It calls the engine's operations
/// directly, never the API over HTTP.
public struct WebApp: Sendable {
    let service: MarkingService
    let catalogue: TextCatalogue
    let library: MustacheLibrary
    let sessions = WebSessions()
    let assets: [String: (body: [UInt8], contentType: String)]
    let logger = Logger(label: "marking-web")

    /// The templates of `Resources/templates`, each page one that extends `layout`.
    static let templates = [
        "layout", "check", "signin", "cabinet", "products", "product", "orders", "order", "labels", "documents", "document",
        "tokens", "shipments", "packages", "participants", "audit", "violations", "analytics", "error",
    ]

    /// Loads the text catalogues (with the problem texts pages show), templates and
    /// static files; throws when one is missing or does not parse, so a broken build is
    /// caught at start, not on a page.
    public init(service: MarkingService) throws(WebAppError) {
        self.service = service
        do throws(TextsError) {
            catalogue = try .bundled()
            try ProblemCatalog.checkTexts()
        } catch {
            throw WebAppError(.resource, error.description)
        }
        var library = MustacheLibrary()
        for name in Self.templates {
            let text = try WebResources.text("templates/\(name).mustache")
            do {
                try library.register(text, named: name)
            } catch {
                throw WebAppError(.template, "templates/\(name).mustache does not parse: \(error)")
            }
        }
        self.library = library
        assets = [
            "app.css": (Array(try WebResources.data("static/app.css")), "text/css; charset=utf-8"),
            "app.js": (Array(try WebResources.data("static/app.js")), "text/javascript; charset=utf-8"),
        ]
    }

    /// Adds the pages at `/` (the public check), `/signin`, `/cabinet/...` and
    /// `/static/...` to `router`, beside the API under `/api/v1`.
    public func add(to router: Router<APIRequestContext>) {
        router.get("/static/{name}") { _, context in
            guard let name = context.parameters.get("name"), let asset = assets[name] else {
                return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "not found")))
            }
            return Response(
                status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600", .init("X-Content-Type-Options")!: "nosniff"],
                body: .init(byteBuffer: .init(bytes: asset.body)))
        }
        router.get("/lang/{code}") { request, context in
            await respond(request, context) { visit in
                guard let language = Language(rawValue: context.parameters.get("code") ?? "") else { throw WebFailure.notFound }
                var visit = visit
                visit.cookies.append(visit.cookie(Visit.languageCookie, language.rawValue, maxAge: 365 * 86_400))
                return redirect(Self.localPath(request.uri.queryParameters.get("back")), visit)
            }
        }
        addPublicPages(to: router)
        addSignIn(to: router)
        addProductPages(to: router)
        addOrderPages(to: router)
        addDocumentPages(to: router)
        addTokenPages(to: router)
        addShipmentPages(to: router)
        addAdminPages(to: router)
        addAnalyticsPages(to: router)
    }

    /// `path` when it is a path of this site, `/` otherwise: a `back` parameter never
    /// sends the browser to another site.
    static func localPath(_ path: String?) -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"),
              !path.contains(where: { $0.isNewline || $0 == "\0" })
        else { return "/" }
        return path
    }

    // MARK: Answering

    /// Runs `page` for `request`: builds the visit (language, session, form token),
    /// and answers a failure as a page in the visitor's language with its status; a
    /// cabinet page asked while signed out leads to the sign-in page.
    func respond(_ request: Request, _ context: APIRequestContext, _ page: (Visit) async throws -> Response) async -> Response {
        let visit = await self.visit(request, context)
        do {
            return try await page(visit)
        } catch WebFailure.signInNeeded where request.method == .get {
            return redirect("/signin?back=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"), visit)
        } catch let failure as WebFailure {
            return errorPage(status: failure.status, title: text("error_title", visit), detail: text(failure.textKey, visit), visit)
        } catch let problem as Problem {
            return problemPage(problem, visit)
        } catch {
            logger.error("page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return errorPage(status: .internalServerError, title: text("error_title", visit), detail: text("error_server", visit), visit)
        }
    }

    /// A problem of the engine as a page: its title and detail in the visit's language.
    func problemPage(_ problem: Problem, _ visit: Visit) -> Response {
        let words = problem.code.text(in: visit.language)
        if problem.status.code >= 500 {
            logger.error("page failed", metadata: ["path": "\(visit.request.uri.path)", "code": "\(problem.code)"])
        }
        return errorPage(status: problem.status, title: words.title, detail: words.detail, visit)
    }

    func errorPage(status: HTTPResponse.Status, title: String, detail: String, _ visit: Visit) -> Response {
        page("error", visit, title: title, values: ["detail": detail], status: status)
    }

    /// The visit of `request`: language from the `mk_lang` cookie, else from
    /// `Accept-Language`; the session of the `mk_session` cookie, its token asked
    /// again (a revoked token ends the session).
    func visit(_ request: Request, _ context: APIRequestContext) async -> Visit {
        let cookies = Visit.cookies(request)
        let language = cookies[Visit.languageCookie].flatMap(Language.init(rawValue:)) ?? Language(request.headers)
        var session = sessions.session(cookies[Visit.sessionCookie])
        var caller: Caller?
        if let current = session {
            caller = try? await service.caller(secret: current.secret)
            if caller == nil {
                sessions.close(current.id)
                session = nil
            }
        }
        let visitor = cookies[Visit.visitorCookie].flatMap { $0.count == 43 ? $0 : nil }
        return Visit(request: request, language: language, session: session, caller: caller, visitorToken: visitor)
    }

    func text(_ key: String, _ visit: Visit) -> String { catalogue.text(key, visit.language) }

    func text(_ key: String, _ visit: Visit, _ value: String) -> String { catalogue.text(key, visit.language, value) }

    /// A `303 See Other` to `location` with the visit's cookies.
    func redirect(_ location: String, _ visit: Visit) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        for cookie in visit.cookies { headers.append(HTTPFields.Element(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// Renders `template` (a page extending `layout`) in the visit's language.
    func page(_ template: String, _ visit: Visit, title: String, values: [String: Any] = [:], status: HTTPResponse.Status = .ok) -> Response {
        let back = visit.request.uri.path + (visit.request.uri.query.map { "?" + $0 } ?? "")
        let html = render(template, language: visit.language, caller: visit.caller, title: title, values: values, formToken: visit.formToken, back: back)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = visit.language.rawValue
        headers[.cacheControl] = "no-store"
        headers[.init("Content-Security-Policy")!] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "same-origin"
        for cookie in visit.cookies { headers.append(HTTPFields.Element(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: html)))
    }

    /// The HTML of `template` in `language` for `caller`, its forms carrying
    /// `formToken` and its language switch leading back to `back`.
    func render(
        _ template: String, language: Language, caller: Caller?, title: String, values: [String: Any], formToken: String, back: String
    ) -> String {
        var context = values
        context["t"] = catalogue.texts[language] ?? [:]
        context["lang"] = language.rawValue
        context["title"] = title
        context["csrf"] = formToken
        let encodedBack = back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
        context["languages"] = Language.allCases.map { other -> [String: Any] in
            [
                "code": other.rawValue, "name": catalogue.text("language_name", other),
                "current": other == language, "href": "/lang/\(other.rawValue)?back=\(encodedBack)",
            ]
        }
        switch caller {
        case .admin:
            context["signedIn"] = true
            context["isAdmin"] = true
            context["userName"] = catalogue.text("cabinet_admin", language)
        case .participant(let participant):
            context["signedIn"] = true
            context["isParticipant"] = true
            context["userName"] = participant.name
        case nil:
            break
        }
        return library.render(context, withTemplate: template) ?? ""
    }

    /// A date in the visit's language.
    func date(_ milliseconds: UInt64, _ visit: Visit) -> String { WebDates.format(milliseconds: milliseconds, in: visit.language) }
}

extension WebApp: PageSessions {
    /// The token of the request's live session, for the audit trail.
    public func secret(of request: Request) -> BearerSecret? {
        sessions.session(Visit.cookies(request)[Visit.sessionCookie])?.secret
    }
}
