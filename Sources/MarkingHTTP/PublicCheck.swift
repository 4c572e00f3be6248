import Hummingbird
import MarkingCore
import NIOCore

/// The public check's hot path (`GET /codes/{code}`, `GET /codes?code=`), the call
/// the whole country makes, tens of thousands of times a second.
///
/// It answers what ``CodeRoutes/CheckAnswer`` describes, byte for byte as
/// `JSONEncoder` would (a test holds the two together), but:
/// - the record is read on the calling task when RocksDB can answer from memory
///   (memtable or block cache: a few microseconds), and only otherwise on the store
///   workers, so a warm store costs no thread hop per check;
/// - the product card comes from ``PublicCardCache`` as JSON, not decoded from the
///   store and encoded again;
/// - the answer is written straight into the response buffer (``JSONByteWriter``).
struct PublicCheck: Sendable {
    let service: MarkingService

    /// What the lookup found: the check and the GTIN's public card (JSON).
    struct Found: Sendable {
        var check: CodeCheck
        var card: [UInt8]?
    }

    /// Checks the code in `bytes` (percent-decoded) and answers it. Unreadable codes
    /// are `code.*` problems pointing at `pointer`.
    func respond(to bytes: [UInt8], pointer: String, _ request: Request) async throws -> Response {
        let code: MarkingCode
        do {
            code = try service.store.parser.parse(bytes: bytes)
        } catch {
            throw Problem(error, pointer: pointer)
        }
        let caller = try await service.optionalCaller(of: request)
        let found: Found
        if let inMemory = try lookInMemory(code) {
            found = inMemory
        } else {
            let service = service
            found = try await service.blocking { try Self.lookUp(code, service: service) }
        }
        let showsOwner = { (record: CodeRecord) -> Bool in
            guard let caller else { return false }
            return caller == .admin || caller.participantID == record.owner
        }
        if let record = found.check.record, Self.needsFullAnswer(record, showsOwner: showsOwner(record)) {
            let inspector = CodeRoutes.Inspector(service: service, caller: caller)
            return try JSONAnswer.response(try await service.blocking { try inspector.answer(code) })
        }
        let body = Self.answer(found, catalog: service.store.catalog, showsOwner: showsOwner)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: body))
    }

    /// The lookup when everything it needs is in memory; `nil` when the record or the
    /// card would have to be read from disk.
    func lookInMemory(_ code: MarkingCode) throws(Problem) -> Found? {
        let store = service.store
        let read: CodeRecord??
        do {
            read = try store.recordInMemory(for: code.cis)
        } catch {
            throw Problem(MarkingError(.store, "\(error)"))
        }
        guard let record = read else { return nil }
        if let record, Self.needsFullAnswer(record, showsOwner: false) { return nil }
        var card: [UInt8]?
        if record != nil {
            guard let cached = service.products.publicCards.cached(code.cis.gtin) else { return nil }
            card = cached
        }
        return Found(check: store.check(code, record: record), card: card)
    }

    /// Whether the answer must also show packages or a last document, which this hot
    /// path does not write: a packed code, or the owner's view of a code a document
    /// changed. Those go through ``CodeRoutes/Inspector`` (more reads, `JSONEncoder`).
    static func needsFullAnswer(_ record: CodeRecord, showsOwner: Bool) -> Bool {
        record.parent != 0 || (showsOwner && record.lastDocument != 0)
    }

    /// The lookup reading from disk as needed; blocking, run it on the workers.
    static func lookUp(_ code: MarkingCode, service: MarkingService) throws(MarkingError) -> Found {
        let check = try service.store.check(code)
        return Found(check: check, card: check.record == nil ? nil : try service.products.publicCard(code.cis.gtin))
    }

    /// The answer's JSON, keys in sorted order as ``CodeRoutes/CheckAnswer`` encodes
    /// them. Owner, producer and order only when `showsOwner` says so for the record.
    /// Written into `buffer` when given (``JSONByteWriter/init(reusing:)``).
    static func answer(_ found: Found, catalog: TemplateCatalog, reusing buffer: consuming ByteBuffer? = nil, showsOwner: (CodeRecord) -> Bool) -> ByteBuffer {
        let check = found.check, code = check.code, record = check.record
        let revealed = record.map(showsOwner) ?? false
        var json = JSONByteWriter(reusing: buffer)
        json.string("code", code.humanReadable)
        json.string("elementString", code.formatted())
        if let record { json.timestamp("emittedAt", milliseconds: record.emittedAt) }
        json.bool("genuine", check.isGenuine)
        json.string("gtin", code.cis.gtin.description)
        json.bool("known", record != nil)
        if revealed, let record {
            json.integer("order", record.order)
            json.integer("owner", record.owner)
        }
        if let problem = Problem.Code(problemOf: check) { json.string("problem", problem.rawValue) }
        if revealed, let record { json.integer("producer", record.producer) }
        if record != nil, let card = found.card { json.raw("product", card) }
        if let record { json.bool("selfMade", record.flags.contains(.selfMade)) }
        json.string("serial", code.cis.serial.description)
        if let record { json.string("status", record.status.name) }
        json.string("tail", check.tail.rawValue)
        if let record { json.string("template", catalog.withID(record.templateID)?.name) }
        return json.finish()
    }
}

extension CodeRoutes.CheckAnswer {
    /// The answer as a value, the reference ``PublicCheck/answer(_:catalog:showsOwner:)``
    /// must equal once encoded with `JSONEncoder.api` (the tests compare them).
    init(_ found: PublicCheck.Found, product: Product?, catalog: TemplateCatalog, showsOwner: (CodeRecord) -> Bool) {
        let check = found.check, code = check.code
        self.init(
            code: code.humanReadable, elementString: code.formatted(), gtin: code.cis.gtin.description,
            serial: code.cis.serial.description, genuine: check.isGenuine, known: check.record != nil, tail: check.tail.rawValue)
        problem = Problem.Code(problemOf: check)?.rawValue
        if let record = check.record {
            status = record.status.name
            template = catalog.withID(record.templateID)?.name
            selfMade = record.flags.contains(.selfMade)
            emittedAt = JSONAnswer.timestamp(record.emittedAt)
            self.product = product.map { ProductRoutes.ProductAnswer($0, showOwner: false) }
            if showsOwner(record) {
                owner = record.owner
                self.producer = record.producer
                order = record.order
            }
        }
    }
}
