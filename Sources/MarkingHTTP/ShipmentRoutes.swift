import Hummingbird
import MarkingCore
import OwnershipBatch

/// `GET /shipments?after&limit` (participant): the shipments waiting for the caller to
/// accept or reject them (transfers sent with `acceptance`, now `WAIT_ACCEPTANCE`),
/// oldest first, as `GET /documents/{id}` answers each. Without it a receiver would
/// have to learn a shipment's id from its sender before it could answer it.
struct ShipmentRoutes {
    let service: MarkingService

    /// The most shipments one call returns.
    static let pageLimit = 1_000

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("shipments") { request, _ in
            guard case .participant(let receiver) = try await service.caller(of: request) else {
                throw Problem(.auth.participantOnly)
            }
            let page = try PageQuery(request.uri.query, maximum: Self.pageLimit, of: "a document")
            let jobs = service.jobs
            let waiting = try await service.blocking {
                try jobs.shipments(waitingFor: receiver.id, after: page.after, limit: page.limit)
            }
            return try JSONAnswer.response(["shipments": waiting.map { DocumentRoutes.DocumentAnswer($0) }])
        }
    }
}
