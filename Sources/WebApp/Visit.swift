import Hummingbird
import MarkingCore
import MarkingHTTP

/// One request as the web application sees it: the language to answer in, the
/// session and who it belongs to, the form token to put in forms, and the cookies
/// to set on the answer.
struct Visit: Sendable {
    let request: Request
    let language: Language
    /// The live session and its caller, `nil` when signed out.
    let session: WebSession?
    let caller: Caller?
    /// The form token of a visitor without a session (double-submit: the same random
    /// value in an HttpOnly SameSite=Strict cookie and in the form), `nil` until the
    /// browser sent the cookie back.
    let visitorToken: String?
    /// Cookies to set on the answer.
    var cookies: [String] = []
    /// Behind HTTPS (directly or per `X-Forwarded-Proto`): cookies get `Secure`.
    let isHTTPS: Bool

    static let sessionCookie = "mk_session"
    static let visitorCookie = "mk_form"
    static let languageCookie = "mk_lang"

    /// The token a form rendered now carries.
    var formToken: String { session?.csrf ?? visitorToken ?? pendingVisitorToken ?? "" }
    /// A visitor token made for this answer, set as a cookie with it.
    private(set) var pendingVisitorToken: String?

    init(request: Request, language: Language, session: WebSession?, caller: Caller?, visitorToken: String?) {
        self.request = request
        self.language = language
        self.session = session
        self.caller = caller
        self.visitorToken = visitorToken
        isHTTPS = request.head.scheme == "https" || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
        if session == nil, visitorToken == nil {
            let token = WebSessions.randomToken()
            pendingVisitorToken = token
            cookies.append(cookie(Self.visitorCookie, token))
        }
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure behind HTTPS;
    /// `maxAge` 0 deletes it.
    func cookie(_ name: String, _ value: String, maxAge: Int? = nil, httpOnly: Bool = true) -> String {
        var text = "\(name)=\(value); Path=/; SameSite=Strict"
        if httpOnly { text += "; HttpOnly" }
        if isHTTPS { text += "; Secure" }
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        return text
    }

    /// The participant signed in; `web.signin` when signed out, the admin's pages
    /// being elsewhere.
    func participant() throws(WebFailure) -> Participant {
        guard let caller else { throw .signInNeeded }
        guard case .participant(let participant) = caller else { throw .forbidden }
        return participant
    }

    /// Passes for a signed-in caller; `signInNeeded` otherwise.
    func signedIn() throws(WebFailure) -> Caller {
        guard let caller else { throw .signInNeeded }
        return caller
    }

    /// Checks a post before anything is read into the registry: it must come from
    /// this site (`Origin`, `Sec-Fetch-Site`) and carry the form token of this
    /// session, or of this visitor when signed out. A forged or cross-site post
    /// fails here and changes nothing.
    func verifyPost(token: String?) throws(WebFailure) {
        let headers = request.headers
        if let site = headers[.init("Sec-Fetch-Site")!], site != "same-origin", site != "none" { throw .csrf }
        if let origin = headers[.origin] {
            guard let host = request.head.authority,
                  origin == "http://\(host)" || origin == "https://\(host)"
            else { throw .csrf }
        }
        let expected = session?.csrf ?? visitorToken
        guard let expected, let token, WebSessions.same(expected, token) else { throw .csrf }
    }

    /// The cookie values of the request, first value of each name.
    static func cookies(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if values[name] == nil { values[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return values
    }
}
