import Foundation
import Hummingbird
import MarkingCore
import OwnershipBatch

/// `GET /codes/{code}` and `GET /codes?code=`: the public check. No token needed; it
/// shows the product card of a known code's GTIN (decree C5) and the packages the
/// code sits in. A caller that sends a token and owns the code (or the admin) also
/// sees owner, producer, order and the last document that changed the code.
///
/// `POST /codes/info`: the same answer for up to ``CodeRoutes/infoLimit`` codes in
/// one call, for participants' systems; a code that cannot be read gets its own
/// problem in its place instead of failing the whole call.
struct CodeRoutes {
    let service: MarkingService

    /// The most codes one `POST /codes/info` call takes.
    static let infoLimit = 1000

    /// What the check answers.
    struct CheckAnswer: Encodable {
        /// The human-readable form, `(01)…(21)…`.
        var code: String
        /// The element string as printed: group separators as U+001D.
        var elementString: String
        var gtin: String
        var serial: String
        /// Known to the store and carrying the right tail (`false` for a CIS scanned without its tail).
        var genuine: Bool
        var known: Bool
        /// `valid`, `invalid`, `unknownKey`, `missing` (a known CIS scanned without its tail)
        /// or `noTail` (an unknown CIS scanned alone).
        var tail: String
        /// The stable code of why the code is not genuine, when it is not.
        var problem: String?
        var status: String?
        var template: String?
        var selfMade: Bool?
        var emittedAt: String?
        /// The packages the code sits in, innermost first (decree C4).
        var packages: [PackageAnswer]?
        /// Only for the owner and the admin.
        var owner: UInt32?
        var producer: UInt32?
        var order: UInt64?
        var lastDocument: LastDocument?
        /// The product card of the GTIN, for a known code whose GTIN has one; never its owner.
        var product: ProductRoutes.ProductAnswer?
    }

    /// A group package's label as the public sees it: its CIS, without the tail it may
    /// have been stored with (packages aggregated before labels were stored as the CIS).
    static func publicLabel(_ package: PackageRecord, parser: CodeParser) -> String {
        guard package.kind == .group, let code = try? parser.parse(package.label) else { return package.label }
        return MarkingCode(cis: code.cis).humanReadable
    }

    /// A package around a code, as the public sees it: label and kind, no owner.
    struct PackageAnswer: Encodable {
        var label: String
        var kind: String
    }

    /// The last document that changed a code, for its owner.
    struct LastDocument: Encodable {
        var id: UInt64
        var type: String
        var number: String
        var date: String?
        var finishedAt: String?
    }

    /// One line of a `POST /codes/info` answer: the check, or why the code is unreadable.
    struct InfoLine: Encodable {
        /// The code as sent.
        var input: String
        var check: CheckAnswer?
        var problem: Problem.Body?
    }

    /// The body of `POST /codes/info`.
    struct InfoInput: JSONInput {
        var codes: [String]
        static let fields: Set<String> = ["codes"]
        /// 1000 codes of at most ~120 characters each, escaped.
        static var maximumBodySize: Int { 512 * 1024 }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("codes/{code}") { request, context in
            guard let raw = context.parameters.get("code") else { throw Problem(.codes.empty) }
            return try await check(PercentDecoding.bytes(raw), pointer: "code", request)
        }
        group.get("codes") { request, _ in
            guard let bytes = PercentDecoding.queryValue("code", in: request.uri.query) else {
                throw Problem(.request.parameter, detail: "give the code as ?code=", pointer: "code")
            }
            return try await check(bytes, pointer: "code", request)
        }
        group.post("codes/info") { request, context in try await info(request, context) }
    }

    /// The check itself runs on ``PublicCheck``'s hot path; ``CheckAnswer`` is the
    /// shape it writes.
    private func check(_ bytes: [UInt8], pointer: String, _ request: Request) async throws -> Response {
        try await PublicCheck(service: service).respond(to: bytes, pointer: pointer, request)
    }

    private func info(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try await service.caller(of: request)
        let input = try await InfoInput.decode(from: request)
        guard (1...Self.infoLimit).contains(input.codes.count) else {
            throw Problem(.codes.count, detail: "a call holds 1 to \(Self.infoLimit) codes, this one has \(input.codes.count)", pointer: "/codes")
        }
        context.auditNote.count = input.codes.count
        let parser = service.store.parser
        let language = Language(request.headers)
        let parsed: [Result<MarkingCode, Problem>] = input.codes.enumerated().map { index, text in
            do throws(CodeFormatError) {
                return .success(try parser.parse(bytes: Array(text.utf8)))
            } catch {
                return .failure(Problem(error, pointer: "/codes/\(index)"))
            }
        }
        let inspector = Inspector(service: service, caller: caller)
        let lines = try await service.blocking { () throws(MarkingError) -> [InfoLine] in
            var lines: [InfoLine] = []
            lines.reserveCapacity(parsed.count)
            for (text, result) in zip(input.codes, parsed) {
                switch result {
                case .success(let code): lines.append(InfoLine(input: text, check: try inspector.answer(code)))
                case .failure(let problem): lines.append(InfoLine(input: text, problem: problem.body(in: language)))
                }
            }
            return lines
        }
        return try JSONAnswer.response(["codes": lines])
    }

    /// Builds check answers on the store workers: one read for a code outside any
    /// package, more only for its packages, its product card and, for its owner, its
    /// last document.
    struct Inspector: Sendable {
        let service: MarkingService
        let caller: Caller?

        func answer(_ code: MarkingCode) throws(MarkingError) -> CheckAnswer {
            let store = service.store
            let check = try store.check(code)
            var answer = CheckAnswer(
                code: code.humanReadable, elementString: code.formatted(), gtin: code.cis.gtin.description,
                serial: code.cis.serial.description, genuine: check.isGenuine, known: check.record != nil, tail: check.tail.rawValue)
            answer.problem = Problem.Code(problemOf: check)?.rawValue
            guard let record = check.record else { return answer }
            answer.status = record.status.name
            answer.template = store.catalog.withID(record.templateID)?.name
            answer.selfMade = record.flags.contains(.selfMade)
            answer.emittedAt = JSONAnswer.timestamp(record.emittedAt)
            answer.product = try service.products.product(code.cis.gtin).map { ProductRoutes.ProductAnswer($0, showOwner: false) }
            if record.parent != 0, let trace = try service.jobs.trace(code) {
                answer.packages = trace.packages.map { PackageAnswer(label: CodeRoutes.publicLabel($0, parser: store.parser), kind: $0.kind.rawValue) }
            }
            if let caller, caller == .admin || caller.participantID == record.owner {
                answer.owner = record.owner
                answer.producer = record.producer
                answer.order = record.order
                if record.lastDocument != 0, let document = try service.jobs.document(record.lastDocument) {
                    answer.lastDocument = LastDocument(
                        id: document.id, type: document.type.rawValue, number: document.number, date: document.date,
                        finishedAt: document.finishedAt.map(JSONAnswer.timestamp))
                }
            }
            return answer
        }
    }
}
