import HTTPTypes
import Hummingbird
import MarkingCore

/// Read-your-writes across replicas: every answer carries the registry's applied
/// sequence (`X-Registry-Sequence`), which after a write is at least the sequence the
/// write was committed at; a request that names one (`X-Registry-Min-Sequence`, e.g.
/// the sequence another replica answered a write with) is answered only once this
/// replica has applied it, waiting at most ``maximumWait`` (then `503 registry.lagging`).
struct RegistrySequenceMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let sequenceHeader = HTTPField.Name("X-Registry-Sequence")!
    static let minimumHeader = HTTPField.Name("X-Registry-Min-Sequence")!
    static let maximumWait = Duration.seconds(5)

    let service: MarkingService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let store = service.store
        if let text = request.headers[Self.minimumHeader] {
            guard let wanted = UInt64(text) else {
                throw Problem(.request.wrongType, detail: "X-Registry-Min-Sequence must be a whole number", pointer: "X-Registry-Min-Sequence")
            }
            if store.appliedSequence < wanted {
                // A log that cannot be read now is a replica behind, not a failure of the request.
                let reached = (try? await service.blocking { try store.committer.wait(for: wanted, timeout: Self.maximumWait) }) ?? false
                guard reached else {
                    throw Problem(
                        .server.registryLagging,
                        detail: "this replica has applied the registry up to \(store.appliedSequence), not yet \(wanted); retry, or ask another replica",
                        retryAfter: 1)
                }
            }
        }
        var response = try await next(request, context)
        response.headers[Self.sequenceHeader] = String(store.appliedSequence)
        return response
    }
}
