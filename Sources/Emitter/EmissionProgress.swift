import Synchronization

/// How far a long emission or download is, readable from any thread while it runs.
///
/// Records are written and codes generated concurrently; the work is as far as the
/// slower of the two.
public final class EmissionProgress: Sendable {
    private let written = Atomic<Int>(0)
    private let generated = Atomic<Int>(0)
    private let totalCount = Atomic<Int>(0)
    private let tracksWriting = Atomic<Bool>(true)
    private let tracksGenerating = Atomic<Bool>(false)

    public init() {}

    /// The number of codes the work will produce (known once the range is reserved).
    public var total: Int { totalCount.load(ordering: .relaxed) }

    /// The number of codes done so far.
    public var completed: Int {
        let writing = tracksWriting.load(ordering: .relaxed), generating = tracksGenerating.load(ordering: .relaxed)
        switch (writing, generating) {
        case (true, true): return min(written.load(ordering: .relaxed), generated.load(ordering: .relaxed))
        case (false, true): return generated.load(ordering: .relaxed)
        default: return written.load(ordering: .relaxed)
        }
    }

    func start(total: Int, writing: Bool, generating: Bool) {
        tracksWriting.store(writing, ordering: .relaxed)
        tracksGenerating.store(generating, ordering: .relaxed)
        totalCount.store(total, ordering: .relaxed)
    }

    func addWritten(_ count: Int) { written.add(count, ordering: .relaxed) }
    func addGenerated(_ count: Int) { generated.add(count, ordering: .relaxed) }
}
