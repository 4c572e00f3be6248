import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// `GET /` and `GET /check?code=`: the public check (decree C5), no sign-in;
    /// `POST /report`: a violation report from anyone.
    func addPublicPages(to router: Router<APIRequestContext>) {
        router.get("/") { request, context in await respond(request, context) { visit in try await checkPage(visit, code: nil) } }
        router.get("/check") { request, context in
            await respond(request, context) { visit in try await checkPage(visit, code: request.uri.queryParameters.get("code")) }
        }
        router.post("/report") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let ip = visit.request.headers[.init("X-Forwarded-For")!] == nil ? "web" : "web-proxied"
                do {
                    let report = try await service.reportViolation(code: form["code"] ?? "", place: form["place"], comment: form["comment"], ip: ip)
                    return page("check", visit, title: text("check_title", visit), values: [
                        "reported": text("report_thanks", visit, String(report.id)), "code": form["code"] ?? "",
                    ])
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    return page(
                        "check", visit, title: text("check_title", visit),
                        values: ["reportError": words.title + ". " + words.detail, "code": form["code"] ?? "",
                                 "place": form["place"] ?? "", "comment": form["comment"] ?? ""],
                        status: problem.status)
                }
            }
        }
    }

    /// The check page, with the verdict for `code` when one is given.
    func checkPage(_ visit: Visit, code text: String?) async throws -> Response {
        var values: [String: Any] = [:]
        let title = self.text("check_title", visit)
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return page("check", visit, title: title, values: values)
        }
        values["code"] = text
        let code: MarkingCode
        do {
            code = try service.store.parser.parse(text)
        } catch {
            values["unreadable"] = [
                "reason": self.text("reason_" + error.code.rawValue, visit),
                "position": self.text("unreadable_position", visit, String(error.position)),
            ]
            return page("check", visit, title: title, values: values, status: .unprocessableContent)
        }
        let store = service.store, products = service.products
        let (check, product) = try await service.blocking { () throws -> (CodeCheck, Product?) in
            let check = try store.check(code)
            return (check, check.record == nil ? nil : try products.product(code.cis.gtin))
        }
        var result: [String: Any] = [
            "gtin": code.cis.gtin.description, "serial": code.cis.serial.description,
        ]
        if let record = check.record {
            result["known"] = true
            result["status"] = self.text("status_" + record.status.name, visit)
            result["emitted"] = date(record.emittedAt, visit)
            result["template"] = service.store.catalog.withID(record.templateID)?.name ?? ""
            switch check.tail {
            case .valid:
                result["verdict"] = self.text("verdict_genuine", visit)
                result["explanation"] = self.text("verdict_genuine_text", visit)
                result["genuine"] = true
            case .noTail, .missing:
                // A CIS without its tail is easy to copy from any package: not proven.
                result["verdict"] = self.text("verdict_unproven", visit)
                result["explanation"] = self.text("verdict_genuine_no_tail", visit)
                result["unknown"] = true
            case .invalid:
                result["verdict"] = self.text("verdict_not_genuine", visit)
                result["explanation"] = self.text("verdict_tail_invalid", visit)
                result["fake"] = true
            case .unknownKey:
                result["verdict"] = self.text("verdict_not_genuine", visit)
                result["explanation"] = self.text("verdict_unknown_key", visit)
                result["fake"] = true
            }
            if let product { result["product"] = productValues(product, visit) }
        } else {
            result["verdict"] = self.text("verdict_unknown", visit)
            result["explanation"] = self.text("verdict_unknown_text", visit)
            result["unknown"] = true
        }
        values["result"] = result
        return page("check", visit, title: title, values: values)
    }

    /// A card's fields as label/value rows, labels in the page's catalogue.
    func productValues(_ product: Product, _ visit: Visit) -> [String: Any] {
        let fields: [(String, String?)] = [
            ("trade_name", product.tradeName), ("producer", product.producer), ("importer", product.importer),
            ("country", product.country), ("production_place", product.productionPlace), ("production_date", product.productionDate),
            ("certificate", product.certificate), ("price", product.price), ("customs_declaration", product.customsDeclaration),
            ("customs_declaration_date", product.customsDeclarationDate),
        ]
        return [
            "tradeName": product.tradeName, "gtin": product.gtin,
            "rows": fields.compactMap { key, value in value.map { ["label": text(key, visit), "value": $0] } },
        ]
    }
}
