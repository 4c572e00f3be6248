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

    /// The body of `POST /orders`.
    struct OrderInput: JSONInput {
        var gtin: String
        var quantity: Int
        var template: String?
        /// Self-made serials; `quantity` must then equal their count.
        var serialNumbers: [String]?
        /// The producer's own order number: a retry with the same number and body gets
        /// the same order back, never a second one.
        var number: String?
        static let fields: Set<String> = ["gtin", "quantity", "template", "serialNumbers", "number"]
        /// Room for ``OrderRoutes/maximumSelfMade`` serials of up to 20 characters,
        /// each JSON-escaped.
        static var maximumBodySize: Int { 4 * 1024 * 1024 }
    }

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
        let (gtin, quantity, template, serials) = try Self.validate(input, catalog: service.store.catalog)
        let products = service.products
        guard let product = try await service.blocking({ try products.product(gtin) }) else {
            throw Problem(
                .orders.productUnregistered, detail: "GTIN \(gtin) has no product card; register it with PUT /api/v1/products/\(gtin) first",
                pointer: "/gtin")
        }
        guard product.owner == participant.id else {
            throw Problem(.orders.gtinForeign, detail: "GTIN \(gtin) is registered by another participant", pointer: "/gtin")
        }
        // A card registered before the admin assigned its GTIN to someone else.
        if let assignee = try await service.blocking({ try products.assignee(gtin) }), assignee != participant.id {
            throw Problem(.orders.gtinForeign, detail: "GTIN \(gtin) is assigned to another participant", pointer: "/gtin")
        }
        context.auditNote.count = quantity
        let emitter = service.emitter
        let request = EmissionRequest(
            gtin: gtin, quantity: quantity, template: template, producer: participant.id, number: input.number,
            fingerprint: input.number.map { _ in Self.fingerprint(gtin: gtin, quantity: quantity, template: template, serials: serials) })
        // A retry: the order placed under this number, as it is now.
        if let existing = try await emitting({ try emitter.existingOrder(for: request) }) {
            return try answer(existing, status: existing.state == .inProgress ? .accepted : .ok)
        }
        if let serials {
            let order = try await emitting { try emitter.registerSelfMade(serials, request: request) }
            service.metrics.codesEmitted(quantity)
            return try answer(order, status: .created)
        }
        let (order, isNew) = try await emitting { try emitter.reserveOrFind(request) }
        guard isNew else { return try answer(order, status: order.state == .inProgress ? .accepted : .ok) }
        guard quantity > service.synchronousOrderLimit else {
            let completed = try await service.blocking { try emitter.complete(order) }
            service.metrics.codesEmitted(quantity)
            return try answer(completed, status: .created)
        }
        emitInBackground(order)
        return try answer(order, status: .accepted)
    }

    /// Runs emitter work on the workers; an order number used for another order is
    /// answered pointing at `/number`.
    private func emitting<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await service.blocking(body)
        } catch let problem as Problem where problem.code == .orders.numberReused {
            throw Problem(problem.code, detail: problem.detail, pointer: "/number")
        }
    }

    /// Writes the records of a reserved order on the job workers, where documents run:
    /// its progress shows in `GET /orders/{id}` meanwhile. The server's stop waits for it
    /// (``MarkingService/close()``); a crash leaves it `INTERRUPTED` at the next start,
    /// its range spent and its codes never handed out.
    private func emitInBackground(_ order: EmissionOrder) {
        let progress = EmissionProgress()
        let running = service.runningOrders, emitter = service.emitter, metrics = service.metrics
        running.started(order.id, progress)
        service.jobWorkers.submit {
            defer { running.finished(order.id) }
            if (try? emitter.complete(order, progress: progress)) != nil { metrics.codesEmitted(order.quantity) }
        }
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
        let emitter = service.emitter
        guard let order = try await service.blocking({ try emitter.order(id) }) else { throw Problem(.orders.unknown) }
        guard caller == .admin || caller.participantID == order.producer else { throw Problem(.auth.forbidden) }
        return order
    }

    private func codes(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let order = try await visibleOrder(request, context)
        let formatName = PercentDecoding.queryValue("format", in: request.uri.query).map { String(decoding: $0, as: UTF8.self) } ?? "text"
        guard let format = CodeListFormat(rawValue: formatName) else {
            throw Problem(.request.parameter, detail: "format '\(formatName)' is unknown; use text, csv or ndjson", pointer: "format")
        }
        guard order.state == .completed else { throw Problem(.orders.notReady, detail: "order \(order.id) is \(order.state.rawValue)") }
        let contentType = switch format {
        case .text: "text/plain; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        }
        let emitter = service.emitter, workers = service.workers, channel = context.channel
        // Part by part: the emitter's queues compute a part and are free again before it
        // is written, so a slow client holds only its own connection (see
        // `Emitter.parts(of:)`). A stop of the server cuts a download off rather than
        // wait for its client: the client downloads again, the codes are the same.
        let body = ResponseBody { writer in
            try await withGracefulShutdownHandler {
                if !format.header.isEmpty { try await writer.write(ByteBuffer(bytes: format.header)) }
                for part in emitter.parts(of: order) {
                    let block = try await workers.run { try emitter.codes(of: order, in: part, format: format) }
                    try await writer.write(ByteBuffer(bytes: block))
                }
            } onGracefulShutdown: {
                channel?.close(promise: nil)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .contentDisposition: "attachment; filename=\"order-\(order.id).\(format == .ndjson ? "ndjson" : format == .csv ? "csv" : "txt")\""],
            body: body)
    }
}
