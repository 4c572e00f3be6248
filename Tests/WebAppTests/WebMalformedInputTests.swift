import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing
import WebApp

@Suite("Web application: malformed input is a 4xx page, never a 5xx")
struct WebMalformedInputTests {
    static let getPaths = [
        "/", "/check?code=%00%FF", "/check?code=" + String(repeating: "%28", count: 300), "/signin?back=javascript:alert(1)",
        "/lang/xx", "/lang/kk?back=%0d%0aSet-Cookie:x", "/static/../Package.swift", "/static/none.css",
        "/cabinet", "/cabinet/products/abc", "/cabinet/products/04600000000018", "/cabinet/orders/abc", "/cabinet/orders/999999",
        "/cabinet/orders/18446744073709551616", "/cabinet/orders/1/codes?format=xml", "/cabinet/orders/1/labels?page=-1",
        "/cabinet/orders/1/labels?columns=0", "/cabinet/orders/1/labels.svg?rows=abc", "/cabinet/documents/abc",
        "/cabinet/documents/999/status", "/cabinet/packages?label=%00", "/cabinet/packages?label=123", "/admin/audit?from=yesterday",
        "/admin/audit?cursor=zz", "/admin/violations?after=-1", "/cabinet/shipments", "/cabinet/tokens",
        "/cabinet/analytics?from=2026-13-01", "/cabinet/analytics?to=%00", "/cabinet/analytics?participant=-1&from=9999-99-99",
        "/cabinet/analytics/none.csv", "/cabinet/analytics/days.csv?from=2020-01-01", "/cabinet/analytics/participants.csv",
    ]
    static let postPaths = [
        "/signin", "/signout", "/report", "/cabinet/products", "/cabinet/orders", "/cabinet/documents", "/cabinet/documents/upload",
        "/cabinet/documents/abc/accept", "/cabinet/documents/1/reject", "/cabinet/tokens", "/cabinet/tokens/abc/revoke", "/admin/participants",
    ]

    @Test("Garbage paths, queries, cookies and forms get a 4xx answer, signed out and signed in")
    func garbageIsNeverA5xx() async throws {
        try await WebFixture.run { browser, _, token in
            let junkCookies = ["mk_session=%%%; mk_lang=zz; mk_form=" + String(repeating: "A", count: 43), "mk_session=" + String(repeating: "x", count: 5000)]
            for signedIn in [false, true] {
                if signedIn { try await browser.signIn(token) }
                let csrf = try await browser.formToken("/")
                for path in Self.getPaths {
                    let response = try await browser.get(path)
                    #expect(response.status.code < 500, "GET \(path): \(response.status)")
                }
                for path in Self.postPaths {
                    let forms: [[String: String]] = [
                        [:], ["csrf": csrf], ["csrf": csrf, "gtin": "x", "quantity": "-5", "tradeName": String(repeating: "я", count: 400)],
                        ["csrf": csrf, "type": "NOPE", "number": "", "codes": "\u{0}\n\u{1D}"], ["csrf": csrf, "code": "", "bin": "1", "name": ""],
                        ["csrf": csrf, "quantity": "99999999999999999999", "gtin": "04600000000017", "receiver": "-1", "type": "TRANSFER", "number": "N", "codes": "x"],
                    ]
                    for form in forms {
                        let response = try await browser.post(path, form)
                        #expect(response.status.code < 500, "POST \(path) \(form.keys.sorted()): \(response.status)")
                    }
                }
                for cookie in junkCookies {
                    let response = try await browser.get("/cabinet", headers: [.cookie: cookie])
                    #expect(response.status.code < 500)
                }
            }
        }
    }
}
