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

    private let phaseTimes = Mutex<[JobPhase: Duration]>([:])

    /// How long each phase of the job took, once it is over: where a large
    /// document's time goes (`marking-bench transfer` prints it).
    public var phases: [JobPhase: Duration] { phaseTimes.withLock { $0 } }

    /// Records that `phase` ran from `start` until now.
    func finished(_ phase: JobPhase, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        phaseTimes.withLock { $0[phase, default: .zero] += elapsed }
    }
}

/// The phases of a job, in the order they run.
public enum JobPhase: String, Sendable, CaseIterable {
    /// Every line read into a code reference, tails verified (parallel).
    case parse
    /// The records of the codes read from the store, in key order (parallel).
    case read
    /// Every code checked against the document's rules, changes staged (parallel).
    case check
    /// The one synced write batch that applies the document.
    case write
}
