import Emitter
import Foundation
import Hummingbird
import Logging
import MarkingCore
import OwnershipBatch
import ServiceLifecycle
import NIOCore

/// The participant's operations that the JSON routes and the web application share:
/// each checks the caller's right and the input by the same rules and answers the
/// same ``Problem`` codes, whichever door the request came through.
extension MarkingService {
    /// Registers or updates `gtin`'s product card for `participant` (a producer or an
    /// importer); the first to register a GTIN keeps it.
    public func registerProduct(_ input: ProductCardInput, gtin: GTIN, by participant: Participant) async throws -> (Product, isNew: Bool) {
        guard participant.roles.contains(.producer) || participant.roles.contains(.importer) else { throw Problem(.auth.role) }
        let input = try ProductRoutes.validate(input, catalog: store.catalog)
        let product = Product(gtin: gtin.description, owner: participant.id, card: input, updatedAt: MarkingStore.now())
        let products = self.products
        switch try await blocking({ try products.put(product) }) {
        case .success(let (stored, isNew)):
            return (stored, isNew)
        case .failure(.foreign):
            throw Problem(.products.foreign, detail: "GTIN \(gtin) is registered by another participant")
        case .failure(.assignedElsewhere(let assignment)):
            throw Problem(.products.assignedElsewhere, detail: "GTIN \(gtin) is assigned to another participant (by \(assignment.count == 14 ? "GTIN" : "company prefix \(assignment)"))")
        case .failure(.unassigned):
            throw Problem(.products.unassigned, detail: "GTIN \(gtin) is not assigned to you; ask the registry's administrator to assign it or its company prefix")
        }
    }

    /// Places an order of codes for `participant` (a producer or an importer), for a
    /// GTIN whose card it registered; with `serialNumbers`, its own serials. With
    /// `number` it is idempotent: a retry gets the order already placed (`200`, `202`
    /// while still emitted). An order above ``synchronousOrderLimit`` codes is
    /// answered `202` once its range is durably reserved and emitted in the background.
    public func placeOrder(_ input: OrderInput, by participant: Participant) async throws -> (order: EmissionOrder, status: HTTPResponse.Status) {
        guard participant.roles.contains(.producer) || participant.roles.contains(.importer) else { throw Problem(.auth.role) }
        let (gtin, quantity, template, serials) = try OrderRoutes.validate(input, catalog: store.catalog)
        let products = self.products
        guard let product = try await blocking({ try products.product(gtin) }) else {
            throw Problem(
                .orders.productUnregistered, detail: "GTIN \(gtin) has no product card; register it with PUT /api/v1/products/\(gtin) first",
                pointer: "/gtin")
        }
        guard product.owner == participant.id else {
            throw Problem(.orders.gtinForeign, detail: "GTIN \(gtin) is registered by another participant", pointer: "/gtin")
        }
        // A card registered before the admin assigned its GTIN to someone else.
        if let assignee = try await blocking({ try products.assignee(gtin) }), assignee != participant.id {
            throw Problem(.orders.gtinForeign, detail: "GTIN \(gtin) is assigned to another participant", pointer: "/gtin")
        }
        let emitter = self.emitter
        let request = EmissionRequest(
            gtin: gtin, quantity: quantity, template: template, producer: participant.id, number: input.number,
            fingerprint: input.number.map { _ in OrderRoutes.fingerprint(gtin: gtin, quantity: quantity, template: template, serials: serials) })
        // A retry: the order placed under this number, as it is now.
        if let existing = try await emitting({ try emitter.existingOrder(for: request) }) {
            return (existing, existing.state == .inProgress ? .accepted : .ok)
        }
        if let serials {
            let order = try await emitting { try emitter.registerSelfMade(serials, request: request) }
            metrics.codesEmitted(quantity)
            return (order, .created)
        }
        let (order, isNew) = try await emitting { try emitter.reserveOrFind(request) }
        guard isNew else { return (order, order.state == .inProgress ? .accepted : .ok) }
        guard quantity > synchronousOrderLimit else {
            let completed = try await blocking { try emitter.complete(order) }
            metrics.codesEmitted(quantity)
            return (completed, .created)
        }
        emitInBackground(order)
        return (order, .accepted)
    }

    /// Runs emitter work on the workers; an order number used for another order is
    /// answered pointing at `/number`.
    private func emitting<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await blocking(body)
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
        let running = runningOrders, emitter = self.emitter, metrics = self.metrics
        running.started(order.id, progress)
        jobWorkers.submit {
            defer { running.finished(order.id) }
            if (try? emitter.complete(order, progress: progress)) != nil { metrics.codesEmitted(order.quantity) }
        }
    }

    /// Order `id`, when `caller` may see it: its producer or the admin.
    public func visibleOrder(_ id: UInt64, to caller: Caller) async throws -> EmissionOrder {
        let emitter = self.emitter
        guard let order = try await blocking({ try emitter.order(id) }) else { throw Problem(.orders.unknown) }
        guard caller == .admin || caller.participantID == order.producer else { throw Problem(.auth.forbidden) }
        return order
    }

    /// The codes of a completed order as a streamed download in `format`, part by part:
    /// the emitter's queues compute a part and are free again before it is written, so
    /// a slow client holds only its own connection (see `Emitter.parts(of:)`). A stop
    /// of the server cuts a download off (closing `channel`) rather than wait for its
    /// client: the client downloads again, the codes are the same.
    public func codeDownload(_ order: EmissionOrder, format: CodeListFormat, channel: (any Channel)?) throws(Problem) -> Response {
        guard order.state == .completed else { throw Problem(.orders.notReady, detail: "order \(order.id) is \(order.state.rawValue)") }
        let contentType = switch format {
        case .text: "text/plain; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        }
        let emitter = self.emitter, workers = self.workers
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
        let suffix = switch format {
        case .text: "txt"
        case .csv: "csv"
        case .ndjson: "ndjson"
        }
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .contentDisposition: "attachment; filename=\"order-\(order.id).\(suffix)\""],
            body: body)
    }

    /// Opens `participant`'s document with `codes` and runs it on the job queue:
    /// returns as soon as it is stored `IN_PROGRESS` (or the earlier document of the
    /// same number and content, `isNew` false). `pointer` names a field in the
    /// caller's terms. When `holdsUploadSlot`, the job gives the slot back when it ends.
    public func submitDocument(
        _ fields: DocumentFields, codes: CodeList, by participant: Participant, holdsUploadSlot: Bool = false,
        pointer: @escaping @Sendable (String) -> String = { $0 }
    ) async throws -> (Document, isNew: Bool) {
        let uploads = self.uploads
        var holdsSlot = holdsUploadSlot
        defer { if holdsSlot { uploads.release() } }
        let document = try fields.request(participant: participant.id, codes: codes, pointer: pointer)
        if let receiver = document.receiver {
            let participants = self.participants
            guard try await blocking({ try participants.participant(receiver) }) != nil else {
                throw Problem(.documents.receiverUnknown, detail: "receiver \(receiver) is not registered", pointer: pointer("receiver"))
            }
        }
        let jobs = self.jobs, running = self.running, metrics = self.metrics
        // The job's closure always runs once started: from here the slot is its to give back.
        let jobHoldsSlot = holdsSlot
        holdsSlot = false
        do {
            return try await jobWorkers.start({ answer in
                defer { if jobHoldsSlot { uploads.release() } }
                let progress = JobProgress()
                var id: UInt64?
                defer { if let id { running.finished(id) } }
                let finished = try jobs.submit(document, progress: progress) { document, isNew in
                    if isNew {
                        id = document.id
                        running.started(document.id, progress)
                    }
                    answer((document, isNew))
                }
                if id != nil { metrics.documentFinished(state: finished.state.rawValue) }
            }, late: { error in
                Logger(label: "marking-server").error("document job failed", metadata: ["error": "\(error)"])
            })
        } catch let error as MarkingError {
            throw Problem(field: error, pointer: pointer)
        }
    }

    /// Document `id` with its progress while it runs, when `caller` may read it: its
    /// participant, the admin, or the receiver of a shipment that reached it.
    public func visibleDocument(_ id: UInt64, to caller: Caller) async throws -> (Document, JobProgress?) {
        let jobs = self.jobs
        guard let document = try await blocking({ try jobs.document(id) }) else { throw Problem(.documents.unknown) }
        // The receiver sees a shipment that reached it (waiting, accepted or rejected),
        // never one refused at the sender's checks, whose refusals name the sender's codes.
        let isReceiver = document.acceptance == true && caller.participantID != nil && caller.participantID == document.receiver
            && [.waitAcceptance, .checkedOK, .rejected].contains(document.state)
        guard caller == .admin || caller.participantID == document.participant || isReceiver else { throw Problem(.auth.forbidden) }
        return (document, running.progress(id))
    }

    /// The receiver's answer to a shipment waiting for acceptance. It waits for the
    /// engine's commit lock like a document, so it runs on the job queue, not on the
    /// workers that answer code checks.
    public func answerShipment(_ id: UInt64, accepting: Bool, by participant: Participant) async throws -> Document {
        let jobs = self.jobs
        let document: Document
        do {
            document = try await jobWorkers.run {
                accepting ? try jobs.accept(id, by: participant.id) : try jobs.reject(id, by: participant.id)
            }
        } catch let error as MarkingError {
            throw Problem(error)
        }
        metrics.documentFinished(state: document.state.rawValue)
        return document
    }

    /// Stores a report of a suspected fake from anyone (decree C5): `code` as given
    /// (1 to 200 bytes, read when it can be), optional place and comment.
    public func reportViolation(code text: String, place: String?, comment: String?, ip: String) async throws -> ViolationReport {
        guard !text.isEmpty, text.utf8.count <= ViolationRoutes.maximumCodeLength else {
            throw Problem(.violations.code, detail: "the code has 1 to \(ViolationRoutes.maximumCodeLength) bytes", pointer: "/code")
        }
        let place = try ViolationRoutes.text(place, "place", limit: ViolationRoutes.maximumPlaceLength)
        let comment = try ViolationRoutes.text(comment, "comment", limit: ViolationRoutes.maximumCommentLength)
        let code = try? store.parser.parse(bytes: Array(text.utf8))
        let store = self.store, reports = violations
        return try await blocking { () throws(MarkingError) -> ViolationReport in
            var genuine = false
            if let code { genuine = try store.check(code).isGenuine }
            return try reports.add(ViolationReport(
                id: 0, time: JSONAnswer.timestamp(MarkingStore.now()), code: text,
                gtin: code?.cis.gtin.description, serial: code?.cis.serial.description, genuine: genuine,
                place: place, comment: comment, ip: ip))
        }
    }

    /// Registers a participant (the admin's call) and issues its first token, whose
    /// secret the caller shows once.
    public func registerParticipant(name: String, bin: String, roles: [String]) async throws -> (Participant, AccessToken, BearerSecret) {
        let valid = try ParticipantRoutes.validate(ParticipantRoutes.Registration(name: name, bin: bin, roles: roles))
        let participants = self.participants, tokens = self.tokens
        return try await blocking {
            let participant = try participants.register(name: valid.name, bin: valid.bin, roles: valid.roles)
            let (token, secret) = try tokens.issue(for: participant.id)
            return (participant, token, secret)
        }
    }

    /// One page of the audit trail for a query string of `GET /audit`
    /// (`from`, `to`, `participant`, `cursor`, `limit`), the lines still waiting for
    /// their batch written first, so the page shows the calls made just before.
    public func auditPage(query: String?) async throws -> AuditTrail.Page {
        let query = try AuditRoutes.query(query)
        let trail = audit
        return try await blocking {
            trail.writePending()
            return try trail.page(query)
        }
    }
}
