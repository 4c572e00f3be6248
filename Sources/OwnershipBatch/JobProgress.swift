import Synchronization

/// How far a running document is, readable from any thread.
public final class JobProgress: Sendable {
    private let done = Atomic<Int>(0)
    private let totalCount = Atomic<Int>(0)

    public init() {}

    /// Steps the job will take: each code is read, checked and written.
    public var total: Int { totalCount.load(ordering: .relaxed) }
    public var completed: Int { done.load(ordering: .relaxed) }

    func start(total: Int) { totalCount.store(total, ordering: .relaxed) }
    func add(_ count: Int) { done.add(count, ordering: .relaxed) }
}
