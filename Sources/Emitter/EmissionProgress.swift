import Synchronization

/// How far a long emission or download is, readable from any thread while it runs.
public final class EmissionProgress: Sendable {
    private let done = Atomic<Int>(0)
    private let totalCount = Atomic<Int>(0)

    public init() {}

    /// The number of codes the work will produce (known once the range is reserved).
    public var total: Int { totalCount.load(ordering: .relaxed) }
    /// The number of codes written so far.
    public var completed: Int { done.load(ordering: .relaxed) }

    func start(total: Int) { totalCount.store(total, ordering: .relaxed) }
    func add(_ count: Int) { done.add(count, ordering: .relaxed) }
}
