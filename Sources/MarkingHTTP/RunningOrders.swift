import Emitter
import Synchronization

/// The progress of the orders this process is emitting in the background, by id, so
/// that `GET /orders/{id}` can say how far an `IN_PROGRESS` order is. Only the running
/// process knows; the store keeps states, not progress.
public final class RunningOrders: Sendable {
    private let running = Mutex<[UInt64: EmissionProgress]>([:])

    public init() {}

    /// Records that order `id` is being emitted with `progress`.
    func started(_ id: UInt64, _ progress: EmissionProgress) { running.withLock { $0[id] = progress } }

    /// Forgets order `id` once its emission has returned.
    func finished(_ id: UInt64) { _ = running.withLock { $0.removeValue(forKey: id) } }

    /// The progress of order `id` while it is emitted here.
    func progress(_ id: UInt64) -> EmissionProgress? { running.withLock { $0[id] } }
}
