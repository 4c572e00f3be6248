import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// The form fields of a product card, in the order the form shows them, with the
    /// key of each one's label. The names are ``ProductCardInput``'s fields, every one of
    /// them (a test holds the two together), so a card saved from the form keeps every
    /// field the API may have set.
    static let productFields: [(name: String, key: String)] = [
        ("tradeName", "trade_name"), ("producer", "producer"), ("importer", "importer"), ("country", "country"),
        ("template", "field_template"),
        ("productionPlace", "production_place"), ("productionDate", "production_date"), ("certificate", "certificate"),
        ("price", "price"), ("customsDeclaration", "customs_declaration"), ("customsDeclarationDate", "customs_declaration_date"),
    ]

    /// A stored card's fields by name, as the form shows them (absent ones left out).
    static func formValues(of card: ProductCardInput) -> [String: String] {
        var values: [String: String] = [:]
        for child in Mirror(reflecting: card).children {
            guard let name = child.label else { continue }
            if let text = child.value as? String { values[name] = text }
        }
        return values
    }

    /// `GET /cabinet/products` (the participant's cards), `GET /cabinet/products/new`,
    /// `GET /cabinet/products/{gtin}` (the card's form) and `POST /cabinet/products`
    /// (register or update, by the API's rules).
    func addProductPages(to router: Router<APIRequestContext>) {
        router.get("/cabinet/products") { request, context in
            await respond(request, context) { visit in
                let participant = try visit.participant()
                let products = service.products
                let list = try await service.blocking { try products.products(of: participant.id) }
                return page("products", visit, title: text("products_title", visit), values: [
                    "products": list.map { ["gtin": $0.gtin, "tradeName": $0.tradeName, "updated": date($0.updatedAt, visit)] },
                    "empty": list.isEmpty,
                    "notice": request.uri.queryParameters.get("saved") == nil ? "" : text("product_saved", visit),
                ])
            }
        }
        router.get("/cabinet/products/new") { request, context in
            await respond(request, context) { visit in
                _ = try visit.participant()
                return productForm(visit, gtin: "", values: [:], isNew: true)
            }
        }
        router.get("/cabinet/products/{gtin}") { request, context in
            await respond(request, context) { visit in
                let participant = try visit.participant()
                let gtin: GTIN
                do { gtin = try GTIN(context.parameters.get("gtin") ?? "") } catch { throw WebFailure.notFound }
                let products = service.products
                guard let product = try await service.blocking({ try products.product(gtin) }), product.owner == participant.id else {
                    throw WebFailure.notFound
                }
                return productForm(visit, gtin: product.gtin, values: Self.formValues(of: product.card), isNew: false)
            }
        }
        router.post("/cabinet/products") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let participant = try visit.participant()
                let gtinText = (form["gtin"] ?? "").trimmingCharacters(in: .whitespaces)
                var entered: [String: String] = [:]
                for field in Self.productFields { entered[field.name] = form[field.name] ?? "" }
                do {
                    let gtin: GTIN
                    do { gtin = try GTIN(gtinText) } catch let error as MarkingError { throw Problem(error, pointer: "gtin") }
                    let input = ProductCardInput(
                        tradeName: form["tradeName"] ?? "", producer: form.optional("producer"), importer: form.optional("importer"),
                        country: form.optional("country")?.uppercased(), template: form.optional("template"),
                        customsDeclaration: form.optional("customsDeclaration"),
                        customsDeclarationDate: form.optional("customsDeclarationDate"), productionPlace: form.optional("productionPlace"),
                        productionDate: form.optional("productionDate"), certificate: form.optional("certificate"), price: form.optional("price"))
                    _ = try await service.registerProduct(input, gtin: gtin, by: participant)
                    return redirect("/cabinet/products?saved=\(gtin)", visit)
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    var values: [String: Any] = [:]
                    values["error"] = words.title + ". " + words.detail
                    return productForm(
                        visit, gtin: gtinText, values: entered, isNew: form["isNew"] == "1", extra: values,
                        status: problem.status.code >= 500 ? problem.status : .unprocessableContent)
                }
            }
        }
    }

    /// The card form, filled with `values`.
    func productForm(
        _ visit: Visit, gtin: String, values: [String: String], isNew: Bool, extra: [String: Any] = [:], status: HTTPResponse.Status = .ok
    ) -> Response {
        var context = extra
        context["gtin"] = gtin
        context["isNew"] = isNew
        context["fields"] = Self.productFields.map { field -> [String: Any] in
            [
                "name": field.name, "label": text(field.key, visit), "value": values[field.name] ?? "",
                "required": field.name == "tradeName",
                "type": field.name.hasSuffix("Date") ? "date" : "text",
            ]
        }
        return page("product", visit, title: text(isNew ? "product_register" : "product_edit", visit), values: context, status: status)
    }
}
