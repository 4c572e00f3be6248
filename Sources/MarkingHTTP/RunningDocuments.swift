import OwnershipBatch
import Synchronization

/// The progress of the documents this process is running, by id, so that
/// `GET /documents/{id}` can say how far an `IN_PROGRESS` document is. Only the
/// running process knows; the store keeps states, not progress.
public final class RunningDocuments: Sendable {
    private let running = Mutex<[UInt64: JobProgress]>([:])

    public init() {}

    /// Records that document `id` runs with `progress`.
    func started(_ id: UInt64, _ progress: JobProgress) { running.withLock { $0[id] = progress } }

    /// Forgets document `id` once its job has returned.
    func finished(_ id: UInt64) { _ = running.withLock { $0.removeValue(forKey: id) } }

    /// The progress of document `id` while it runs here.
    func progress(_ id: UInt64) -> JobProgress? { running.withLock { $0[id] } }
}
