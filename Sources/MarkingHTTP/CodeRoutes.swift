import Foundation
import Hummingbird
import MarkingCore

/// `GET /codes/{code}` and `GET /codes?code=`: the public check. No token needed; it
/// shows the product card of a known code's GTIN (decree C5). A caller that sends a
/// token and owns the code (or the admin) also sees owner, producer and order.
struct CodeRoutes {
    let service: MarkingService

    /// What the check answers.
    struct CheckAnswer: Encodable {
        /// The human-readable form, `(01)…(21)…`.
        var code: String
        /// The element string as printed: group separators as U+001D.
        var elementString: String
        var gtin: String
        var serial: String
        /// Known to the store and, when a tail was scanned, carrying the right one.
        var genuine: Bool
        var known: Bool
        /// `valid`, `invalid`, `unknownKey` or `noTail` (a CIS scanned alone).
        var tail: String
        /// The stable code of why the code is not genuine, when it is not.
        var problem: String?
        var status: String?
        var template: String?
        var selfMade: Bool?
        var emittedAt: String?
        /// Only for the owner and the admin.
        var owner: UInt32?
        var producer: UInt32?
        var order: UInt64?
        /// The product card of the GTIN, for a known code whose GTIN has one; never its owner.
        var product: ProductRoutes.ProductAnswer?
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("codes/{code}") { request, context in
            guard let raw = context.parameters.get("code") else { throw Problem("code.empty") }
            return try await check(PercentDecoding.bytes(raw), pointer: "code", request)
        }
        group.get("codes") { request, _ in
            guard let bytes = PercentDecoding.queryValue("code", in: request.uri.query) else {
                throw Problem("request.parameter", detail: "give the code as ?code=", errors: [.init(pointer: "code", code: "request.parameter")])
            }
            return try await check(bytes, pointer: "code", request)
        }
    }

    /// The check itself runs on ``PublicCheck``'s hot path; ``CheckAnswer`` is the
    /// shape it writes.
    private func check(_ bytes: [UInt8], pointer: String, _ request: Request) async throws -> Response {
        try await PublicCheck(service: service).respond(to: bytes, pointer: pointer, request)
    }
}
