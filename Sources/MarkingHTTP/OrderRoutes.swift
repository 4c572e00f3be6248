import Crypto
import Emitter
import Foundation
import Hummingbird
import MarkingCore
import ServiceLifecycle

/// `POST /orders`, `GET /orders/{id}`, `GET /orders/{id}/codes?format=text|csv|ndjson`.
///
/// Ordering needs a participant token with the producer or importer role and a
/// product card for the GTIN registered by the caller (`PUT /products/{gtin}`): codes
/// are issued only for goods in the catalogue, and only to their registrant. An order
/// is visible to the participant that placed it and to the admin.
///
/// With `serialNumbers` the producer brings its own serials (self-made); they are
/// checked whole and stored at once, or refused whole.
///
/// With `number` (the producer's order number, as documents have) placing an order is
/// idempotent: the same number with the same body answers the order already placed
/// (`200`, or `202` while it is still being emitted), a different body `409
/// order.number_reused`; a client that retries after a timeout never gets a second
/// range. An order of more than ``MarkingService/synchronousOrderLimit`` codes is
/// answered `202` with its state as soon as its range is reserved (durably), and
/// emitted in the background; `GET /orders/{id}` shows its progress until it is
/// `COMPLETED`.
struct OrderRoutes {
    let service: MarkingService

    /// The most self-made serials one HTTP order carries; larger sets go in several
    /// orders, so one request body stays a few megabytes.
    static let maximumSelfMade = 100_000

    /// An order as answered.
    struct OrderAnswer: Encodable {
        var id: UInt64
        var gtin: String
        var template: String
        var quantity: Int
        var producer: UInt32
        var selfMade: Bool
        var state: String
        var createdAt: String
        var completedAt: String?
        var codes: String
        var number: String?
        /// How far an `IN_PROGRESS` order emitted in the background is.
        var progress: Progress?

        /// Codes written of the order's total.
        struct Progress: Encodable {
            var done: Int
            var total: Int
        }

        init(_ order: EmissionOrder, catalog: TemplateCatalog, progress: EmissionProgress? = nil) {
            id = order.id
            gtin = order.gtinValue.description
            template = catalog.withID(order.templateID)?.name ?? "#\(order.templateID)"
            quantity = order.quantity
            producer = order.producer
            selfMade = order.selfMade
            state = order.state.rawValue
            createdAt = JSONAnswer.timestamp(order.createdAt)
            completedAt = order.completedAt.map(JSONAnswer.timestamp)
            codes = "/api/v1/orders/\(order.id)/codes"
            number = order.number
            if order.state == .inProgress, let progress { self.progress = Progress(done: progress.completed, total: order.quantity) }
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("orders") { request, context in try await place(request, context) }
        group.get("orders/{id}") { request, context in
            let order = try await visibleOrder(request, context)
            return try JSONAnswer.response(OrderAnswer(order, catalog: service.store.catalog, progress: service.runningOrders.progress(order.id)))
        }
        group.get("orders/{id}/codes") { request, context in try await codes(request, context) }
    }

    /// Checks an order's fields, each with its own code and pointer.
    static func validate(_ input: OrderInput, catalog: TemplateCatalog) throws(Problem) -> (GTIN, Int, CodeTemplate, [String]?) {
        let gtin: GTIN
        do { gtin = try GTIN(input.gtin) } catch { throw Problem(error, pointer: "/gtin") }
        guard (1...Emitter.maximumQuantity).contains(input.quantity) else {
            throw Problem(
                .orders.quantity, detail: "quantity \(input.quantity) is out of range: an order holds 1 to \(Emitter.maximumQuantity) codes",
                pointer: "/quantity")
        }
        var template = catalog.defaultTemplate
        if let name = input.template {
            do { template = try catalog.named(name) } catch { throw Problem(error, pointer: "/template") }
        }
        if let serials = input.serialNumbers {
            try validate(selfMade: serials, quantity: input.quantity, template: template)
        }
        if let number = input.number {
            guard (1...EmissionRequest.maximumNumberLength).contains(number.utf8.count), !number.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw Problem(.orders.number, detail: "an order number has 1 to \(EmissionRequest.maximumNumberLength) bytes and no control characters", pointer: "/number")
            }
        }
        return (gtin, input.quantity, template, input.serialNumbers)
    }

    /// Checks self-made serials one by one, so the problem points at the first bad one.
    static func validate(selfMade serials: [String], quantity: Int, template: CodeTemplate) throws(Problem) {
        guard (1...maximumSelfMade).contains(serials.count) else {
            throw Problem(
                .orders.quantity, detail: "an order holds 1 to \(maximumSelfMade) self-made serials, this one has \(serials.count)",
                pointer: "/serialNumbers")
        }
        guard serials.count == quantity else {
            throw Problem(
                .orders.quantity, detail: "quantity \(quantity) differs from the \(serials.count) serial numbers given",
                pointer: "/quantity")
        }
        var seen = Set<String>()
        for (index, text) in serials.enumerated() {
            let pointer = "/serialNumbers/\(index)"
            let serial: Serial
            do { serial = try Serial(text) } catch { throw Problem(error, pointer: pointer) }
            guard serial.bytes.count == template.serialLength else {
                throw Problem(
                    .orders.invalidSerial, detail: "serial '\(text)' has \(serial.bytes.count) characters; template \(template.name) needs \(template.serialLength)",
                    pointer: pointer)
            }
            guard seen.insert(text).inserted else {
                throw Problem(.orders.invalidSerial, detail: "serial '\(text)' appears twice in the order", pointer: pointer)
            }
        }
    }

    private func place(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try await service.caller(of: request)
        guard case .participant(let participant) = caller,
              participant.roles.contains(.producer) || participant.roles.contains(.importer)
        else { throw Problem(.auth.role) }
        let input = try await OrderInput.decode(from: request)
        // Set before the order commits: its audit line goes in the order's changeset.
        context.auditNote.count = input.quantity
        let placed = try await service.placeOrder(input, by: participant)
        return try answer(placed.order, status: placed.status)
    }

    /// The answer to `POST /orders`: the order, with its address.
    private func answer(_ order: EmissionOrder, status: HTTPResponse.Status) throws -> Response {
        try JSONAnswer.response(
            OrderAnswer(order, catalog: service.store.catalog, progress: service.runningOrders.progress(order.id)), status: status,
            headers: [.location: "/api/v1/orders/\(order.id)"])
    }

    /// What tells a retry from another order under the same number: SHA-256 of the
    /// order's fields as validated (the template resolved, so leaving it out and naming
    /// the default are the same order).
    static func fingerprint(gtin: GTIN, quantity: Int, template: CodeTemplate, serials: [String]?) -> String {
        var hash = SHA256()
        hash.update(data: Array("\(gtin)\n\(quantity)\n\(template.name)\n".utf8))
        for serial in serials ?? [] { hash.update(data: Array((serial + "\n").utf8)) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The order of the path, after checking the caller may see it.
    private func visibleOrder(_ request: Request, _ context: APIRequestContext) async throws -> EmissionOrder {
        let caller = try await service.caller(of: request)
        let id: UInt64 = try context.parameters.number("id")
        return try await service.visibleOrder(id, to: caller)
    }

    private func codes(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let order = try await visibleOrder(request, context)
        let formatName = PercentDecoding.queryValue("format", in: request.uri.query).map { String(decoding: $0, as: UTF8.self) } ?? "text"
        guard let format = CodeListFormat(rawValue: formatName) else {
            throw Problem(.request.parameter, detail: "format '\(formatName)' is unknown; use text, csv or ndjson", pointer: "format")
        }
        // The download is audited (its line synced before the codes go out) with how many codes it hands out.
        context.auditNote.count = order.quantity
        return try service.codeDownload(order, format: format, channel: context.channel)
    }
}
