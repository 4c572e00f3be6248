import Emitter
import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// `GET /cabinet/orders` (list and order form), `POST /cabinet/orders`,
    /// `GET /cabinet/orders/{id}`, `GET /cabinet/orders/{id}/codes?format=`,
    /// `GET /cabinet/orders/{id}/labels` and `/labels.svg`.
    func addOrderPages(to router: Router<APIRequestContext>) {
        router.get("/cabinet/orders") { request, context in
            await respond(request, context) { visit in try await ordersPage(visit, extra: [:]) }
        }
        router.post("/cabinet/orders") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                let participant = try visit.participant()
                let quantityText = (form["quantity"] ?? "").trimmingCharacters(in: .whitespaces)
                let entered: [String: Any] = ["enteredGTIN": form["gtin"] ?? "", "enteredQuantity": quantityText]
                guard let quantity = Int(quantityText) else {
                    return try await ordersPage(visit, extra: entered.merging(["error": text("error_number", visit)]) { $1 }, status: .unprocessableContent)
                }
                let serials = form.optional("serials").map { text in
                    text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                do {
                    let (order, _) = try await service.placeOrder(
                        OrderInput(gtin: (form["gtin"] ?? "").trimmingCharacters(in: .whitespaces), quantity: quantity,
                                   template: form.optional("template"), serialNumbers: serials),
                        by: participant)
                    return redirect("/cabinet/orders/\(order.id)", visit)
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    return try await ordersPage(
                        visit, extra: entered.merging(["error": words.title + ". " + words.detail]) { $1 },
                        status: problem.status.code >= 500 ? problem.status : .unprocessableContent)
                }
            }
        }
        router.get("/cabinet/orders/{id}") { request, context in
            await respond(request, context) { visit in
                let order = try await visibleOrder(context.parameters.get("id"), visit)
                var values = orderValues(order, visit)
                values["downloads"] = CodeListFormat.allCases.map { format in
                    ["href": "/cabinet/orders/\(order.id)/codes?format=\(format.rawValue)", "label": text("download_\(format.rawValue)", visit)]
                }
                return page("order", visit, title: text("order_title", visit, String(order.id)), values: values)
            }
        }
        router.get("/cabinet/orders/{id}/codes") { request, context in
            await respond(request, context) { visit in
                let order = try await visibleOrder(context.parameters.get("id"), visit)
                guard let format = CodeListFormat(rawValue: request.uri.queryParameters.get("format") ?? "text") else { throw WebFailure.notFound }
                return try service.codeDownload(order, format: format, channel: context.channel)
            }
        }
        router.get("/cabinet/orders/{id}/labels") { request, context in
            await respond(request, context) { visit in try await labelsPage(request, context.parameters.get("id"), visit, svgOnly: false) }
        }
        router.get("/cabinet/orders/{id}/labels.svg") { request, context in
            await respond(request, context) { visit in try await labelsPage(request, context.parameters.get("id"), visit, svgOnly: true) }
        }
    }

    /// The order of a path, when the signed-in caller may see it.
    func visibleOrder(_ idText: String?, _ visit: Visit) async throws -> EmissionOrder {
        let caller = try visit.signedIn()
        guard let id = idText.flatMap({ UInt64($0) }) else { throw WebFailure.notFound }
        return try await service.visibleOrder(id, to: caller)
    }

    func ordersPage(_ visit: Visit, extra: [String: Any], status: HTTPResponse.Status = .ok) async throws -> Response {
        let participant = try visit.participant()
        let emitter = service.emitter, products = service.products
        let (orders, cards) = try await service.blocking {
            (try emitter.orders(of: participant.id, limit: 50), try products.products(of: participant.id))
        }
        var values = extra
        values["orders"] = orders.map { orderValues($0, visit) }
        values["empty"] = orders.isEmpty
        let chosen = extra["enteredGTIN"] as? String
        values["products"] = cards.map { ["gtin": $0.gtin, "tradeName": $0.tradeName, "selected": $0.gtin == chosen] }
        values["templates"] = service.store.catalog.templates.map { ["name": $0.name] }
        return page("orders", visit, title: text("orders_title", visit), values: values, status: status)
    }

    func orderValues(_ order: EmissionOrder, _ visit: Visit) -> [String: Any] {
        var values: [String: Any] = [
            "id": order.id, "gtin": order.gtinValue.description, "quantity": order.quantity,
            "template": service.store.catalog.withID(order.templateID)?.name ?? "",
            "state": text("order_state_" + order.state.rawValue, visit), "created": date(order.createdAt, visit),
            "completed": order.state == .completed, "selfMade": order.selfMade,
        ]
        if let completedAt = order.completedAt { values["completedAt"] = date(completedAt, visit) }
        return values
    }

    /// A label sheet of an order: `page` (1-based), `columns` and `rows` from the query.
    func labelsPage(_ request: Request, _ idText: String?, _ visit: Visit, svgOnly: Bool) async throws -> Response {
        let order = try await visibleOrder(idText, visit)
        let query = request.uri.queryParameters
        func number(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(WebFailure) -> Int {
            guard let text = query.get(name) else { return fallback }
            guard let value = Int(text), range.contains(value) else { throw .number }
            return value
        }
        let sheet = LabelSheet(columns: try number("columns", 4, LabelSheet.columnRange), rows: try number("rows", 10, LabelSheet.rowRange))
        let sheets = max(1, (order.quantity + sheet.perSheet - 1) / sheet.perSheet)
        let sheetNumber = try number("page", 1, 1...sheets)
        guard order.state == .completed else { throw Problem(.orders.notReady) }
        let emitter = service.emitter, parser = service.store.parser
        let codes = try await service.blocking { () throws -> [MarkingCode] in
            try emitter.codes(of: order, offset: (sheetNumber - 1) * sheet.perSheet, count: sheet.perSheet).map { try parser.parse($0) }
        }
        let svg: String
        do { svg = try sheet.svg(codes) } catch { throw Problem(.server.internalError, detail: error.description) }
        if svgOnly {
            return Response(
                status: .ok,
                headers: [.contentType: "image/svg+xml", .contentDisposition: "attachment; filename=\"order-\(order.id)-sheet-\(sheetNumber).svg\""],
                body: .init(byteBuffer: .init(string: svg)))
        }
        let base = "/cabinet/orders/\(order.id)/labels"
        let size = "columns=\(sheet.columns)&rows=\(sheet.rows)"
        var values = orderValues(order, visit)
        values["svg"] = svg
        values["columns"] = sheet.columns
        values["rows"] = sheet.rows
        values["sheet"] = sheetNumber
        values["sheetOf"] = text("labels_of", visit, String(sheets))
        values["svgHref"] = "\(base).svg?\(size)&page=\(sheetNumber)"
        if sheetNumber > 1 { values["previous"] = "\(base)?\(size)&page=\(sheetNumber - 1)" }
        if sheetNumber < sheets { values["next"] = "\(base)?\(size)&page=\(sheetNumber + 1)" }
        return page("labels", visit, title: text("labels_title", visit), values: values)
    }
}
