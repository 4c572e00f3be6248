import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import OwnershipBatch
import TestSupport
import Testing
import Texts
import WebApp

/// `/cabinet/analytics`: a participant sees the counts of its own codes, the admin
/// the nation's and each participant's, as the store keeps them; bad filters are
/// localized 4xx pages; the CSV exports work from the session.
@Suite("Web application: analytics pages")
struct WebAnalyticsTests {
    /// Two producers with codes: Tau Dairy (30 + 12 codes, 5 of them applied by a
    /// utilisation document) and a second one (7 codes). Returns the second's browser,
    /// id and GTIN.
    private func twoProducers(_ browser: Browser, _ service: MarkingService, _ token: String) async throws -> (Browser, UInt32, String) {
        let (code, first) = try await producerWithCodes(browser, service, token)
        let csrf = try await browser.formToken("/cabinet/products/new")
        let bread = gtin(4_870_000_000_06)
        #expect(try await browser.post("/cabinet/products", ["csrf": csrf, "gtin": bread, "tradeName": "Tau bread", "country": "kz"]).status == .seeOther)
        #expect(try await browser.post("/cabinet/orders", ["csrf": csrf, "gtin": bread, "quantity": "12"]).status == .seeOther)
        let codes = try await codesOf(browser, order: first)
        #expect(codes.count == 30 && codes.first == code)
        try await sendDocument(browser, type: "UTILISATION", number: "UT-1", codes: Array(codes.prefix(5)))

        let second = try service.participants.register(name: "Steppe Mill LLP", bin: validBIN(8), roles: [.producer])
        let (_, secret) = try service.tokens.issue(for: second.id)
        let other = Browser(client: browser.client)
        try await other.signIn(secret.text)
        let flour = gtin(4_870_000_000_07)
        let form = try await other.formToken("/cabinet/products/new")
        #expect(try await other.post("/cabinet/products", ["csrf": form, "gtin": flour, "tradeName": "Steppe flour", "country": "kz"]).status == .seeOther)
        #expect(try await other.post("/cabinet/orders", ["csrf": form, "gtin": flour, "quantity": "7"]).status == .seeOther)
        return (other, second.id, flour)
    }

    private func codesOf(_ browser: Browser, order: UInt64) async throws -> [String] {
        html(try await browser.get("/cabinet/orders/\(order)/codes?format=text")).split(separator: "\n").map(String.init)
    }

    /// Sends a document from the cabinet's form and waits until it is checked OK.
    private func sendDocument(_ browser: Browser, type: String, number: String, codes: [String]) async throws {
        let csrf = try await browser.formToken("/cabinet/documents")
        let sent = try await browser.post("/cabinet/documents", ["csrf": csrf, "type": type, "number": number, "codes": codes.joined(separator: "\n")])
        #expect(sent.status == .seeOther)
        let location = sent.headers[.location] ?? ""
        var state = ""
        for _ in 0..<500 where state != "CHECKED_OK" && state != "CHECKED_NOT_OK" {
            let status = try JSONSerialization.jsonObject(with: Data(try await browser.get(location + "/status").body.readableBytesView)) as? [String: Any]
            state = status?["state"] as? String ?? ""
            if state != "CHECKED_OK" { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(state == "CHECKED_OK")
    }

    /// The GTIN table's row of `gtin` as the page draws it from the store's counts.
    private func row(_ gtin: String, _ counts: StatusCounts) -> String {
        "<tr><th scope=\"row\" class=\"code\">\(gtin)</th>" + CodeStatus.allCases.map { "<td class=\"number\">\(counts[$0])</td>" }.joined()
            + "<td class=\"number\">\(counts.total)</td></tr>"
    }

    private var today: String { CalendarDate.text(day: MarkingService.analyticsToday) }

    /// Today as the English page labels a day: "3 Dec".
    private var todayInEnglish: String {
        let parts = today.split(separator: "-").compactMap { Int($0) }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(parts[2]) \(months[parts[1] - 1])"
    }

    @Test("The period and the days are written in the page's language, not as ISO dates")
    func datesInTheChosenLanguage() async throws {
        try await WebFixture.run { browser, _, token in
            try await browser.signIn(token)
            // ICU joins the year to its word with a narrow no-break space (U+202F).
            let expected: [(String, String)] = [
                ("en", "5 Jan 2026 – 20 Jan 2026"), ("ru", "5 янв. 2026\u{202F}г. – 20 янв. 2026\u{202F}г."), ("kk", "2026\u{202F}ж. 5 қаң. – 2026\u{202F}ж. 20 қаң."),
            ]
            for (language, period) in expected {
                let page = html(try await browser.get("/cabinet/analytics?from=2026-01-05&to=2026-01-20", headers: [.acceptLanguage: language]))
                #expect(page.contains("<html lang=\"\(language)\">"))
                #expect(page.contains(period), "\(language): \(period)")
                #expect(!page.contains(", 2026-01-05:"), "no ISO day in a bar's label")
            }
        }
    }

    @Test("A participant's page shows its codes by status, GTIN and day as the store counts them, and no one else's")
    func participantPage() async throws {
        try await WebFixture.run { browser, service, token in
            let (_, secondID, flour) = try await twoProducers(browser, service, token)
            let tau = try #require(try service.tokens.resolve(BearerSecret(text: token))).participant
            let scope = AnalyticsScope.participant(tau)
            let statuses = try service.store.statusCounts(scope)
            #expect(statuses.total == 42 && statuses[.applied] == 5, "the store counts the two orders and the document")

            let response = try await browser.get("/cabinet/analytics", headers: [.acceptLanguage: "en"])
            #expect(response.status == .ok)
            let page = html(response)
            #expect(page.contains("<html lang=\"en\">") && page.contains("Codes of Tau Dairy LLP"))
            #expect(page.contains("id=\"analytics-total\">\(statuses.total)<"))
            for (gtin, counts) in try service.store.gtinCounts(scope) { #expect(page.contains(row(gtin.description, counts))) }
            let statusDescription = CodeStatus.allCases.map { "\(try! TextCatalogue.bundled().text("status_" + $0.name, .en)): \(statuses[$0])" }
            #expect(page.contains("<desc id=\"analytics-status-desc\">\(statusDescription.joined(separator: "; "))</desc>"))
            let day = try #require(try service.store.dayCounts(scope, from: MarkingService.analyticsToday, through: MarkingService.analyticsToday).first)
            #expect(page.contains("<title>Emitted, \(todayInEnglish): \(day[.emitted])</title>"), "today's bar of emitted codes")
            #expect(page.components(separatedBy: "role=\"img\"").count == 3, "two charts")
            #expect(!page.contains(flour) && !page.contains("Steppe Mill"), "another participant's codes never appear")
            #expect(!page.contains("id=\"an-participant\"") && !page.contains("participants.csv"))

            let foreign = try await browser.get("/cabinet/analytics?participant=\(secondID)", headers: [.acceptLanguage: "ru"])
            #expect(foreign.status == .forbidden)
            #expect(html(foreign).contains("<html lang=\"ru\">") && !html(foreign).contains(flour))
            #expect(try await browser.get("/cabinet/analytics/participants.csv").status == .forbidden)
        }
    }

    @Test("The admin's page shows the nation, each participant, and the table of participants as the store counts them")
    func adminPage() async throws {
        try await WebFixture.run { browser, service, token in
            let (_, secondID, flour) = try await twoProducers(browser, service, token)
            let admin = Browser(client: browser.client)
            try await admin.signIn(WebFixture.adminSecret)
            let national = try service.store.statusCounts(.national)
            #expect(national.total == 49)
            let page = html(try await admin.get("/cabinet/analytics", headers: [.acceptLanguage: "kk"]))
            #expect(page.contains("<html lang=\"kk\">") && page.contains("Тізілімнің барлық кодтары"))
            #expect(page.contains("id=\"analytics-total\">\(national.total)<"))
            for (gtin, counts) in try service.store.gtinCounts(.national) { #expect(page.contains(row(gtin.description, counts))) }
            for (participant, counts) in try service.store.participantCounts() {
                #expect(page.contains(">\(counts.total)</td></tr>"))
                #expect(page.contains("<option value=\"\(participant)\""), "participant \(participant) can be chosen")
            }
            #expect(page.contains("Tau Dairy LLP (1)") && page.contains("Steppe Mill LLP (\(secondID))"))
            #expect(page.contains("/cabinet/analytics/participants.csv"))

            let one = html(try await admin.get("/cabinet/analytics?participant=\(secondID)", headers: [.acceptLanguage: "en"]))
            let counts = try service.store.statusCounts(.participant(secondID))
            #expect(one.contains("Codes of Steppe Mill LLP") && one.contains("id=\"analytics-total\">\(counts.total)<"))
            #expect(one.contains(flour) && !one.contains(gtin(4_870_000_000_06)))
            #expect(one.contains("<option value=\"\(secondID)\" selected>"))
        }
    }

    @Test("Bad filters are localized 4xx pages, never a 5xx")
    func badFilters() async throws {
        try await WebFixture.run { browser, _, token in
            try await browser.signIn(token)
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/cabinet/analytics?from=2026-02-30", "ru", .badRequest, "Неверная дата"),
                ("/cabinet/analytics?to=26-01-01", "en", .badRequest, "Invalid date"),
                ("/cabinet/analytics?from=2026-03-02&to=2026-03-01", "kk", .badRequest, "Кезең жарамсыз"),
                ("/cabinet/analytics?from=2024-01-01&to=2026-03-01", "en", .badRequest, "Invalid period"),
                ("/cabinet/analytics?participant=abc", "en", .badRequest, "parameter"),
                ("/cabinet/analytics/days.csv?from=1969-12-31", "ru", .badRequest, "Неверная дата"),
                ("/cabinet/analytics/weeks.csv", "en", .notFound, "There is no such page."),
            ]
            for (path, language, status, words) in cases {
                let response = try await browser.get(path, headers: [.acceptLanguage: language])
                #expect(response.status == status, "\(path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(html(response).contains("<html lang=\"\(language)\">"), "\(path)")
                #expect(html(response).lowercased().contains(words.lowercased()), "\(path): \(html(response))")
            }
            let admin = Browser(client: browser.client)
            try await admin.signIn(WebFixture.adminSecret)
            #expect(try await admin.get("/cabinet/analytics?participant=999").status == .notFound)
            // The browser form sends the nation as an empty participant and cleared dates as empty values.
            #expect(try await admin.get("/cabinet/analytics?participant=&from=&to=").status == .ok)
        }
    }

    @Test("The CSV exports download from the session, with the session's rights and filters")
    func csvFromTheSession() async throws {
        try await WebFixture.run { browser, service, token in
            let (_, _, flour) = try await twoProducers(browser, service, token)
            let tau = try #require(try service.tokens.resolve(BearerSecret(text: token))).participant
            let gtins = try await browser.get("/cabinet/analytics/gtins.csv")
            #expect(gtins.status == .ok)
            #expect(gtins.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(gtins.headers[.contentDisposition] == "attachment; filename=\"analytics-participant-\(tau)-gtins.csv\"")
            let lines = html(gtins).split(separator: "\r\n").map(String.init)
            let expected = try service.store.gtinCounts(.participant(tau)).map { gtin, counts in
                ([gtin.description] + CodeStatus.allCases.map { "\(counts[$0])" } + ["\(counts.total)"]).joined(separator: ",")
            }
            #expect(lines == ["gtin,EMITTED,APPLIED,INTRODUCED,RETIRED,WRITTEN_OFF,total"] + expected)
            #expect(!html(gtins).contains(flour))
            let days = html(try await browser.get("/cabinet/analytics/days.csv?from=\(today)&to=\(today)")).split(separator: "\r\n")
            #expect(days.count == 2 && days[1].hasPrefix("\(today),42,"))
            // The page links its exports with its own filters.
            let page = html(try await browser.get("/cabinet/analytics?from=\(today)&to=\(today)"))
            #expect(page.contains("href=\"/cabinet/analytics/days.csv?from=\(today)&amp;to=\(today)\""))

            let admin = Browser(client: browser.client)
            try await admin.signIn(WebFixture.adminSecret)
            let table = html(try await admin.get("/cabinet/analytics/participants.csv")).split(separator: "\r\n")
            #expect(table.count == 3 && table[1].hasPrefix("\(tau),Tau Dairy LLP,") && table[1].hasSuffix(",42"))

            let signedOut = Browser(client: browser.client)
            let refused = try await signedOut.get("/cabinet/analytics/statuses.csv")
            #expect(refused.status == .seeOther && refused.headers[.location]?.hasPrefix("/signin") == true)
        }
    }
}
