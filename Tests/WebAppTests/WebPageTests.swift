import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import TestSupport
import Testing
@testable import WebApp

@Suite("Web application: pages, language, sessions and forms")
struct WebPageTests {
    @Test("The language comes from Accept-Language, then from the switch, which a cookie remembers")
    func languageSwitch() async throws {
        try await WebFixture.run { browser, _, _ in
            let russian = try await browser.get("/", headers: [.acceptLanguage: "ru-RU,ru;q=0.9,en;q=0.5"])
            #expect(html(russian).contains(#"<html lang="ru">"#))
            #expect(html(russian).contains("Проверка кода маркировки"))
            #expect(russian.headers[.contentLanguage] == "ru")
            let switched = try await browser.get("/lang/kk?back=%2Fcheck")
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/check")
            let kazakh = try await browser.get("/", headers: [.acceptLanguage: "en"])
            #expect(html(kazakh).contains("Таңбалау кодын тексеру"))
            #expect(!html(kazakh).contains("Check a marking code"))
            let away = try await browser.get("/lang/en?back=%2F%2Fevil.example%2F")
            #expect(away.headers[.location] == "/")
        }
    }

    @Test("The public check tells genuine, forged and unknown codes apart, in the chosen language")
    func publicCheck() async throws {
        try await WebFixture.run { browser, service, token in
            let (code, _) = try await producerWithCodes(browser, service, token)
            let genuine = try await browser.get("/check?code=\(Browser.encode(code))", headers: [.acceptLanguage: "en"])
            #expect(genuine.status == .ok)
            #expect(html(genuine).contains("Genuine"))
            #expect(html(genuine).contains("Tau kefir 1 l"))
            let tampered = String(code.dropLast()) + (code.last == "A" ? "B" : "A")
            let forged = try await browser.get("/check?code=\(Browser.encode(tampered))", headers: [.acceptLanguage: "en"])
            #expect(html(forged).contains("Not genuine"))
            let unknown = try await browser.get("/check?code=\(Browser.encode("01" + gtin(4_870_000_000_09) + "21ZZZZZZZZZZZZZ"))", headers: [.acceptLanguage: "ru"])
            #expect(html(unknown).contains("Неизвестный код"))
        }
    }

    @Test("An unreadable code is answered 422 with the reason and the position, never a 5xx")
    func unreadableCode() async throws {
        try await WebFixture.run { browser, _, _ in
            let badCheckDigit = "0104600000000018" + "21abc"
            let response = try await browser.get("/check?code=\(Browser.encode(badCheckDigit))", headers: [.acceptLanguage: "kk"])
            #expect(response.status == .unprocessableContent)
            #expect(html(response).contains("GTIN бақылау цифры қате."))
            #expect(html(response).contains("Оқу 16-таңбада тоқтады."))
            let huge = try await browser.get("/check?code=" + String(repeating: "9", count: 5000))
            #expect(huge.status.code < 500)
        }
    }

    @Test("Signing in keeps the token server-side: an HttpOnly, SameSite=Strict cookie, no token in the page")
    func signIn() async throws {
        try await WebFixture.run { browser, _, token in
            let csrf = try await browser.formToken("/signin")
            let wrong = try await browser.post("/signin", ["csrf": csrf, "token": "not-a-token"], headers: [.acceptLanguage: "en"])
            #expect(wrong.status == .unauthorized)
            #expect(html(wrong).contains("This token is unknown or revoked."))
            let right = try await browser.post("/signin", ["csrf": csrf, "token": token])
            #expect(right.status == .seeOther)
            let cookie = right.headers[values: .setCookie].first { $0.hasPrefix("mk_session=") } ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains(token))
            let cabinet = try await browser.get("/cabinet")
            #expect(cabinet.status == .ok)
            #expect(html(cabinet).contains("Tau Dairy LLP"))
            #expect(!html(cabinet).contains(token))
            let out = try await browser.post("/signout", ["csrf": try await browser.formToken("/cabinet")])
            #expect(out.status == .seeOther)
            let after = try await browser.get("/cabinet")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location]?.hasPrefix("/signin") == true)
        }
    }

    @Test("Revoking the token a session signed in with ends the session at its next page")
    func revokedTokenEndsSession() async throws {
        try await WebFixture.run { browser, service, token in
            try await browser.signIn(token)
            #expect(try await browser.get("/cabinet/tokens").status == .ok)
            guard case .participant(let participant) = try await service.caller(secret: BearerSecret(text: token)) else {
                Issue.record("the fixture's token names no participant")
                return
            }
            for active in try service.tokens.active(for: participant.id) { try service.tokens.revoke(active.id, of: participant.id) }
            let after = try await browser.get("/cabinet/tokens")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location]?.hasPrefix("/signin") == true)
        }
    }

    @Test("A forged, cross-site or tampered-cookie post is refused with a localized page and changes nothing")
    func forgedPostsChangeNothing() async throws {
        try await WebFixture.run { browser, service, token in
            try await browser.signIn(token)
            let product = gtin(4_870_000_000_01)
            let fields = ["gtin": product, "tradeName": "Forged"]
            let withoutToken = try await browser.post("/cabinet/products", fields, headers: [.acceptLanguage: "ru"])
            #expect(withoutToken.status == .forbidden)
            #expect(html(withoutToken).contains("Ничего не изменено"))
            let csrf = try await browser.formToken("/cabinet/products/new")
            var crossSite = fields
            crossSite["csrf"] = csrf
            let fromElsewhere = try await browser.post("/cabinet/products", crossSite, headers: [.origin: "https://evil.example"])
            #expect(fromElsewhere.status == .forbidden)
            let fetchedCrossSite = try await browser.post("/cabinet/products", crossSite, headers: [.init("Sec-Fetch-Site")!: "cross-site"])
            #expect(fetchedCrossSite.status == .forbidden)
            let session = browser.cookies["mk_session"]!
            browser.cookies["mk_session"] = String(session.dropLast()) + (session.last == "A" ? "B" : "A")
            let tampered = try await browser.post("/cabinet/products", crossSite)
            #expect(tampered.status == .forbidden)
            let json = try await browser.post("/cabinet/products", crossSite, headers: [.contentType: "application/json"])
            #expect(json.status == .unsupportedMediaType)
            let products = service.products
            #expect(try products.product(try GTIN(product)) == nil)
        }
    }

    @Test("A bad GTIN or a bad date in the product form is a localized 422; a good card is stored and listed")
    func productForm() async throws {
        try await WebFixture.run { browser, service, token in
            try await browser.signIn(token)
            let csrf = try await browser.formToken("/cabinet/products/new")
            let bad = try await browser.post(
                "/cabinet/products", ["csrf": csrf, "gtin": "04600000000018", "tradeName": "Kefir"], headers: [.acceptLanguage: "en"])
            #expect(bad.status == .unprocessableContent)
            #expect(html(bad).contains(#"role="alert""#))
            #expect(html(bad).contains(#"value="Kefir""#))
            let badDate = try await browser.post(
                "/cabinet/products", ["csrf": csrf, "gtin": gtin(4_870_000_000_02), "tradeName": "Kefir", "productionDate": "2026-13-40"])
            #expect(badDate.status == .unprocessableContent)
            let good = try await browser.post("/cabinet/products", ["csrf": csrf, "gtin": gtin(4_870_000_000_02), "tradeName": "Kefir <1 l>"])
            #expect(good.status == .seeOther)
            let list = html(try await browser.get("/cabinet/products"))
            #expect(list.contains("Kefir &lt;1 l&gt;"))
            #expect(try service.products.product(try GTIN(gtin(4_870_000_000_02)))?.tradeName == "Kefir <1 l>")
        }
    }

    @Test("A card with every field set through the API is saved back from the form unchanged, its code template included")
    func productFormKeepsEveryField() async throws {
        try await WebFixture.run { browser, service, token in
            try await browser.signIn(token)
            guard case .participant(let participant) = try await service.caller(secret: BearerSecret(text: token)) else {
                Issue.record("the fixture's token names no participant")
                return
            }
            let product = try GTIN(gtin(4_870_000_000_03))
            let card = ProductCardInput(
                tradeName: "Kefir 1 l", producer: "Tau Dairy", importer: "Tau Trade", country: "KZ", template: "s7-93",
                customsDeclaration: "10005020/031226/0001234", customsDeclarationDate: "2026-12-01", productionPlace: "Almaty",
                productionDate: "2026-11-30", certificate: "KZ.7500361.01.01.12345", price: "450.00")
            _ = try await service.registerProduct(card, gtin: product, by: participant)

            let form = html(try await browser.get("/cabinet/products/\(product)"))
            var fields: [String: String] = [:]
            let input = try Regex(#"<input id="[^"]*" name="([A-Za-z]+)"[^>]* value="([^"]*)""#)
            for match in form.matches(of: input) {
                if let name = match.output[1].substring, let value = match.output[2].substring { fields[String(name)] = String(value) }
            }
            fields["csrf"] = try await browser.formToken("/cabinet/products/\(product)")
            #expect(fields["template"] == "s7-93", "the form shows the card's template")
            let saved = try await browser.post("/cabinet/products", fields)
            #expect(saved.status == .seeOther, "\(html(saved))")
            #expect(try service.products.product(product)?.card == card, "nothing the API set is lost by saving the form")
        }
    }

    @Test("The product form asks for every field of a card")
    func productFormListsEveryField() {
        #expect(Set(WebApp.productFields.map(\.name)) == ProductCardInput.fields)
    }

    @Test("Oversized forms and code lists of another file type are refused with a localized message")
    func oversizedAndWrongFiles() async throws {
        try await WebFixture.run { browser, _, token in
            try await browser.signIn(token)
            let csrf = try await browser.formToken("/cabinet/documents")
            let huge = try await browser.post(
                "/cabinet/documents", ["csrf": csrf, "type": "UTILISATION", "number": "D-1", "codes": String(repeating: "x", count: 3 * 1024 * 1024)],
                headers: [.acceptLanguage: "en"])
            #expect(huge.status == .contentTooLarge)
            #expect(html(huge).contains("The data sent is too large."))
            var headers: HTTPFields = [.contentType: "image/png", .init("X-CSRF-Token")!: csrf, .acceptLanguage: "kk"]
            let picture = try await browser.send(
                "/cabinet/documents/upload?type=UTILISATION&number=D-2", method: .post, headers: headers, body: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47]))
            #expect(picture.status == .unsupportedMediaType)
            #expect(html(picture).contains("Бұл файл түрі қабылданбайды"))
            headers[.contentType] = "text/plain"
            headers[.init("X-CSRF-Token")!] = "forged"
            let forged = try await browser.send(
                "/cabinet/documents/upload?type=UTILISATION&number=D-3", method: .post, headers: headers, body: ByteBuffer(string: "x\n"))
            #expect(forged.status == .forbidden)
        }
    }

    @Test("A document with unreadable lines ends refused; its page shows the refusals per reason and the first refused lines")
    func refusedDocument() async throws {
        try await WebFixture.run { browser, service, token in
            let (code, _) = try await producerWithCodes(browser, service, token)
            let csrf = try await browser.formToken("/cabinet/documents")
            let sent = try await browser.post(
                "/cabinet/documents", ["csrf": csrf, "type": "UTILISATION", "number": "UT-bad", "codes": code + "\nnot a code\n" + code],
                headers: [.acceptLanguage: "ru"])
            #expect(sent.status == .seeOther)
            let location = sent.headers[.location] ?? ""
            var state = ""
            for _ in 0..<200 where state != "CHECKED_NOT_OK" {
                let status = try JSONSerialization.jsonObject(with: Data(try await browser.get(location + "/status").body.readableBytesView)) as? [String: Any]
                state = status?["state"] as? String ?? ""
                if state == "IN_PROGRESS" { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(state == "CHECKED_NOT_OK")
            let page = html(try await browser.get(location, headers: [.acceptLanguage: "ru"]))
            #expect(page.contains("Отклонён, ничего не изменено"))
            #expect(page.contains("Код не читается"))
            #expect(page.contains("Код указан дважды"))
            #expect(page.contains("not a code"))
            let list = html(try await browser.get("/cabinet/documents"))
            #expect(list.contains("UT-bad"))
        }
    }

    @Test("An order placed in the cabinet prints as a label sheet whose symbols carry the order's codes")
    func orderAndLabels() async throws {
        try await WebFixture.run { browser, service, token in
            let (_, orderID) = try await producerWithCodes(browser, service, token)
            let sheet = html(try await browser.get("/cabinet/orders/\(orderID)/labels?columns=3&rows=4"))
            let codes = sheet.matches(of: /data-code="([^"]+)"/).map { unescape(String($0.1)) }
            #expect(codes.count == 12)
            let download = String(buffer: try await browser.get("/cabinet/orders/\(orderID)/codes?format=text").body)
            let lines = download.split(separator: "\n").map { $0.replacingOccurrences(of: "\u{1D}", with: "<GS>") }
            #expect(lines.count == 30)
            #expect(codes == Array(lines.prefix(12)))
            let outOfRange = try await browser.get("/cabinet/orders/\(orderID)/labels?columns=99")
            #expect(outOfRange.status == .unprocessableContent)
        }
    }
}

/// Text of an HTML attribute as written by the label sheet.
func unescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
        .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
}

/// Signs in as the fixture's producer, registers a card and orders 30 codes through
/// the pages; returns the first code downloaded and the order's id.
func producerWithCodes(_ browser: Browser, _ service: MarkingService, _ token: String) async throws -> (String, UInt64) {
    try await browser.signIn(token)
    let product = gtin(4_870_000_000_05)
    let csrf = try await browser.formToken("/cabinet/products/new")
    let saved = try await browser.post("/cabinet/products", ["csrf": csrf, "gtin": product, "tradeName": "Tau kefir 1 l", "country": "kz"])
    #expect(saved.status == .seeOther)
    let placed = try await browser.post("/cabinet/orders", ["csrf": csrf, "gtin": product, "quantity": "30"])
    #expect(placed.status == .seeOther)
    let location = placed.headers[.location] ?? ""
    let id = UInt64(location.split(separator: "/").last ?? "") ?? 0
    let download = String(buffer: try await browser.get("/cabinet/orders/\(id)/codes?format=text").body)
    return (String(download.split(separator: "\n").first ?? ""), id)
}

@Suite("Web application: the admin's pages")
struct WebAdminPageTests {
    @Test("The admin registers a participant in a form and sees its token once; a participant may not open admin pages")
    func adminRegistersParticipant() async throws {
        try await WebFixture.run { browser, service, token in
            try await browser.signIn(token)
            let refused = try await browser.get("/admin/audit")
            #expect(refused.status == .forbidden)
            let csrf = try await browser.formToken("/cabinet")
            _ = try await browser.post("/signout", ["csrf": csrf])
            try await browser.signIn(WebFixture.adminSecret)
            let form = try await browser.formToken("/admin/participants")
            let bad = try await browser.post("/admin/participants", ["csrf": form, "name": "Shop", "bin": "123", "role_retailer": "on"])
            #expect(bad.status == .unprocessableContent)
            let good = try await browser.post("/admin/participants", ["csrf": form, "name": "Corner Shop", "bin": validBIN(9), "role_retailer": "on"])
            #expect(good.status == .created)
            let page = html(good)
            guard let range = page.range(of: #"id="new-secret">([^<]+)<"#, options: .regularExpression) else {
                Issue.record("no token shown")
                return
            }
            let secret = String(page[range].dropFirst(#"id="new-secret">"#.count).dropLast())
            let caller = try await service.caller(secret: BearerSecret(text: secret))
            #expect(caller.participantID != nil)
            let audit = html(try await browser.get("/admin/audit?route=participants"))
            #expect(audit.contains("/admin/participants"))
        }
    }
}
