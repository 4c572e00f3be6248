import Dispatch
import Foundation
import RocksDB
import Synchronization

/// The only writer of registry state: turns a ``Changeset`` into one atomic write
/// batch, under the single commit order of the store, and counts the changesets it
/// has applied.
///
/// ``commit(_:_:)`` runs a rule under the commit order: the rule reads the state
/// every earlier changeset left and returns its own, which is written before the next
/// rule runs. That order is what makes two documents over the same codes unable to
/// both succeed: the second is validated against what the first wrote, without a
/// lock table over millions of codes.
///
/// Every batch also writes the registry's *applied sequence* under `meta` key
/// `applied` (see `MetaStorage.swift`), so the sequence always names exactly the
/// changesets a store holds: one more per changeset on a single node, the log
/// sequence of the changeset's last message in a cluster.
///
/// A commit made while serving an audited call (``AuditAttachment/current``) carries
/// the call's audit line in its batch, so the two are durable together.
///
/// With a ``ChangesetLog`` (``replicate(to:)``), a commit first catches up with the
/// log, runs the rule, appends the changeset with the log's expected-last-sequence
/// check, and only then writes it: the log is the source of truth and its order the
/// one order of writes. When another replica appended first, the commit catches up
/// and runs the rule again. ``catchUp(wait:)`` applies what other replicas appended.
public final class Committer: Sendable {
    /// Whether a commit is on disk before it returns.
    public enum Durability: Sendable {
        /// Synced to the write-ahead log: survives a crash of the machine.
        case synced
        /// In the write-ahead log but not synced: survives a crash of the process;
        /// for records a later synced write covers, or that may be lost (audit lines
        /// of checks).
        case buffered
    }

    /// What a rule returned, and the applied sequence its changeset was written at.
    public struct Committed<Value> {
        public var value: Value
        /// The applied sequence of the registry right after this changeset.
        public var sequence: UInt64
    }

    private let database: Database
    private let families: StoreFamilies
    /// The records kept in memory for checks, told of every batch that writes some.
    private let records: RecordCache
    /// Where the store stands: what the commit order guards.
    struct State: Sendable {
        /// The applied sequence.
        var sequence: UInt64 = 0
        /// The last log message read (applied, or skipped as part of an abandoned changeset).
        var position: UInt64 = 0
        /// Parts of a changeset at the end of the log, waiting for the rest.
        var assembly = LogFrame.Assembly()
    }

    /// The commit order; holds where the store stands.
    private let order = Mutex<State>(State())
    /// The replicated log, in cluster mode.
    private let log = Mutex<(any ChangesetLog)?>(nil)
    /// Called after changesets from the log were applied (caches to forget).
    private let remoteApplied = Mutex<[@Sendable () -> Void]>([])
    /// The applied sequence, readable without waiting for the commit order.
    private let published = Atomic<UInt64>(0)
    /// Told of every changeset written, in order (``observe(_:)``).
    private let observer = Mutex<(@Sendable (Changeset, UInt64) -> Void)?>(nil)

    /// Whether commits fold their tallies into the analytics counters: always, but for
    /// `marking-bench analytics`, which measures what the counters cost by turning
    /// them off in the same run (a store written so holds wrong counts).
    private let counting = Atomic<Bool>(true)

    /// Turns the analytics counters off or on, for the benchmark only.
    @_spi(Benchmark) public var countsAnalytics: Bool {
        get { counting.load(ordering: .relaxed) }
        set { counting.store(newValue, ordering: .relaxed) }
    }

    /// Emission ranges being materialized outside the commit order (``materialize(_:progress:)``).
    private let materializing = Atomic<Int>(0)

    /// Code records above which a batch is built on several threads.
    static let parallelCodes = 200_000

    init(database: Database, families: StoreFamilies, records: RecordCache) {
        self.database = database
        self.families = families
        self.records = records
    }

    /// The applied sequence of the registry: how many changesets the store holds.
    public var appliedSequence: UInt64 { published.load(ordering: .acquiring) }

    func loadAppliedSequence() throws(MarkingError) {
        let stored: [UInt8]?
        do {
            stored = try database.get(MetaKeys.applied, in: families[.meta])
        } catch {
            throw MarkingError(.store, "cannot read the applied sequence: \(error)")
        }
        let sequence = stored.flatMap(MetaKeys.decodeSequence) ?? 0
        order.withLock { $0 = State(sequence: sequence, position: sequence) }
        published.store(sequence, ordering: .releasing)
    }

    /// Makes `log` the source of truth: from now on every commit is appended to it
    /// first. The store's applied sequence is then a position in that log.
    public func replicate(to log: any ChangesetLog) {
        self.log.withLock { $0 = log }
    }

    /// Calls `body` after changesets written by other replicas were applied, so that
    /// what caches the registry's state forgets it.
    public func onRemoteApply(_ body: @escaping @Sendable () -> Void) {
        remoteApplied.withLock { $0.append(body) }
    }

    /// Calls `body` with every changeset written from now on and the applied sequence
    /// it was written at, in the commit order, before the commit returns: what a
    /// replicated log or a test that replays the registry elsewhere listens to.
    /// `nil` stops it. `body` must not commit.
    public func observe(_ body: (@Sendable (Changeset, UInt64) -> Void)?) {
        observer.withLock { $0 = body }
    }

    /// Runs `rule` under the commit order and writes the changeset it builds as one
    /// batch with the next applied sequence. Nothing is written when `rule` throws.
    /// An empty changeset is not written and does not advance the sequence.
    public func commit<Value>(
        _ durability: Durability = .synced, _ rule: (inout Changeset) throws(MarkingError) -> Value
    ) throws(MarkingError) -> Committed<Value> {
        let log = self.log.withLock { $0 }
        let attachment = AuditAttachment.current
        return try order.withLock { state throws(MarkingError) -> Committed<Value> in
            while true {
                if let log { try catchUp(&state, from: log, upTo: try log.lastSequence()) }
                var changeset = Changeset()
                let value = try rule(&changeset)
                guard !changeset.isEmpty else { return Committed(value: value, sequence: state.sequence) }
                // The audit line of the call this commit serves goes in the same batch.
                let line = attachment?.attach(to: &changeset)
                // Counted here, under the commit order, before the changeset is
                // appended anywhere: replicas apply the sums, not the tally.
                if counting.load(ordering: .relaxed) {
                    try changeset.foldTally(day: DayCounts.day(milliseconds: MarkingStore.now()), current: analyticsCount)
                }
                var sequence = state.sequence + 1
                if let log {
                    // Each frame only right after the one before: the frames of one
                    // changeset are consecutive, or the append fails and nothing of
                    // it is applied anywhere.
                    var last = state.position
                    do throws(LogAppendError) {
                        for frame in LogFrame.split(changeset.encoded(), maximumBytes: log.maximumMessageBytes) {
                            last = try log.append(frame, expectedLast: last)
                        }
                    } catch {
                        switch error {
                        case .moved: continue
                        case .failed(let failure): throw failure
                        }
                    }
                    sequence = last
                    state.position = last
                    state.assembly = LogFrame.Assembly()
                }
                try write(changeset, sequence: sequence, durability: durability)
                if let line { attachment?.markCommitted(line) }
                state.sequence = sequence
                published.store(sequence, ordering: .releasing)
                observer.withLock { $0 }?(changeset, sequence)
                return Committed(value: value, sequence: sequence)
            }
        }
    }

    /// Applies what other replicas appended to the log, waiting up to `wait` for the
    /// first new message; returns the applied sequence. The log is read outside the
    /// commit order, so a replica waiting for news never holds up its own writers.
    @discardableResult
    public func catchUp(wait: Duration = .zero) throws(MarkingError) -> UInt64 {
        guard let log = self.log.withLock({ $0 }) else { return appliedSequence }
        var wait = wait
        while true {
            let position = order.withLock { $0.position }
            let messages = try log.read(after: position, limit: 1_024, wait: wait)
            guard !messages.isEmpty else { return appliedSequence }
            try order.withLock { state throws(MarkingError) in try apply(messages, to: &state) }
            wait = .zero
        }
    }

    /// Waits until the applied sequence is at least `sequence` (a write another
    /// replica acknowledged), catching up meanwhile; `false` after `timeout`.
    ///
    /// The wait is for the applied sequence, not for this call's own reads: a replica's
    /// applier thread reads the same log, so a read that fails here (the reader made
    /// again, the stream electing a leader) is tried again while time is left, and the
    /// wait succeeds as soon as the sequence is reached by whoever applied it. Only a
    /// wait that ends short of `sequence` with its last read failed throws that failure.
    public func wait(for sequence: UInt64, timeout: Duration) throws(MarkingError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var failure: MarkingError?
        while appliedSequence < sequence {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                if let failure { throw failure }
                return false
            }
            do {
                try catchUp(wait: min(left, .milliseconds(200)))
                failure = nil
            } catch {
                failure = error
                // A read that failed at once is not retried in a spin.
                usleep(50_000)
            }
        }
        return true
    }

    /// Runs `body` with the applied sequence while no changeset is written and no
    /// emission range is half materialized: what a checkpoint copies is then exactly
    /// the registry at that sequence.
    func whileSettled<T>(_ body: (UInt64) throws(MarkingError) -> T) throws(MarkingError) -> T {
        try order.withLock { state throws(MarkingError) -> T in
            // New materializations start only after a commit, which waits for this lock.
            while materializing.load(ordering: .acquiring) > 0 { usleep(2_000) }
            return try body(state.sequence)
        }
    }

    /// Reads and applies the log up to `last`, under the commit order. A log that
    /// gives nothing for a while (its stream electing a leader, a reader being made
    /// again) is read again until ``catchUpBudget``, then the write is refused as
    /// `log.unavailable`: retryable, nothing written.
    private func catchUp(_ state: inout State, from log: any ChangesetLog, upTo last: UInt64) throws(MarkingError) {
        let deadline = ContinuousClock.now + Self.catchUpBudget
        while state.position < last {
            let messages: [LogMessage]
            do {
                messages = try log.read(after: state.position, limit: 1_024, wait: .seconds(1))
            } catch where error.code == .logUnavailable && ContinuousClock.now < deadline {
                usleep(50_000)
                continue
            }
            guard !messages.isEmpty else {
                guard ContinuousClock.now < deadline else {
                    throw MarkingError(
                        .logUnavailable,
                        "the log holds messages up to \(last), but none after \(state.position) could be read within \(Self.catchUpBudget); retry in a moment")
                }
                continue
            }
            try apply(messages, to: &state)
        }
    }

    /// How long a writer keeps trying to read what the log holds before its own append.
    static let catchUpBudget: Duration = .seconds(15)

    /// Applies complete changesets among `messages` (those after the position), in order.
    private func apply(_ messages: [LogMessage], to state: inout State) throws(MarkingError) {
        var applied = false
        for message in messages where message.sequence > state.position {
            // The log's sequences have no holes but at its front, where it was trimmed
            // behind checkpoints: changesets this store never applied are gone.
            guard message.sequence == state.position + 1 else {
                throw MarkingError(
                    .logTrimmed,
                    "the log starts at \(message.sequence), after this store's position \(state.position): it was trimmed behind a checkpoint; start this replica from a checkpoint (serve --checkpoint DIR)")
            }
            state.position = message.sequence
            guard let bytes = try state.assembly.add(message.bytes) else { continue }
            let changeset = try Changeset(decoding: bytes)
            try write(changeset, sequence: message.sequence, durability: .synced)
            for range in changeset.emissions { try materialize(range) }
            state.sequence = message.sequence
            published.store(message.sequence, ordering: .releasing)
            observer.withLock { $0 }?(changeset, message.sequence)
            applied = true
        }
        if applied { for body in remoteApplied.withLock({ $0 }) { body() } }
    }

    /// Applies a changeset built elsewhere (by a rule on another replica, read back
    /// from a log): its operations and code records in one batch with the next
    /// applied sequence, then the records of its emission ranges.
    @discardableResult
    public func apply(_ changeset: Changeset, durability: Durability = .synced) throws(MarkingError) -> UInt64 {
        precondition(log.withLock { $0 } == nil, "a replica applies changesets from its log, not by hand")
        let sequence = try commit(durability) { (pending: inout Changeset) throws(MarkingError) in
            pending = changeset
        }.sequence
        for range in changeset.emissions { try materialize(range) }
        return sequence
    }

    /// Writes the records an emission range derives, in key order, in batches of
    /// ``EmissionRange/chunkSize``, then syncs the write-ahead log.
    ///
    /// This runs outside the commit order: the range was reserved by a committed
    /// changeset, so no rule writes those keys, and a 100-million-code order must not
    /// hold every document behind it. `progress` hears of each batch's codes; `durable`
    /// learns how far the records are synced (see ``DurableFrontier``).
    public func materialize(
        _ range: EmissionRange, progress: (@Sendable (Int) -> Void)? = nil, durable: DurableFrontier? = nil
    ) throws(MarkingError) {
        materializing.add(1, ordering: .acquiringAndReleasing)
        defer { materializing.subtract(1, ordering: .acquiringAndReleasing) }
        do {
            try range.write(into: database, family: families[.codes], progress: progress, durable: durable)
            try database.syncWAL()
            durable?.synced(through: range.end)
        } catch {
            let failure = (error as? MarkingError) ?? MarkingError(.store, "\(error)")
            durable?.fail(failure)
            throw failure
        }
    }

    /// The stored value of one analytics counter (see `AnalyticsStorage.swift`).
    private func analyticsCount(_ key: [UInt8]) throws(MarkingError) -> Int64 {
        do {
            return try database.get(key, in: families[.analytics]).map { $0.withUnsafeBytes(AnalyticsKeys.decode) } ?? 0
        } catch {
            throw MarkingError(.store, "cannot read an analytics counter: \(error)")
        }
    }

    private func write(_ changeset: Changeset, sequence: UInt64, durability: Durability) throws(MarkingError) {
        let announced = records.beginWrite(changeset)
        defer { if announced { records.endWrite() } }
        let head = WriteBatch()
        for operation in changeset.operations {
            switch operation {
            case .put(let family, let key, let value): head.put(key, value, in: families[family])
            case .delete(let family, let key): head.delete(key, in: families[family])
            case .deleteRange(let family, let from, let to): head.deleteRange(from: from, to: to, in: families[family])
            }
        }
        head.put(MetaKeys.applied, MetaKeys.encodeSequence(sequence), in: families[.meta])
        let batch: WriteBatch
        if changeset.codeCount >= Self.parallelCodes, changeset.codeParts.count > 1 {
            batch = WriteBatch.joining([head.representation] + codeBatches(changeset.codeParts))
        } else {
            for part in changeset.codeParts { stage(part, into: head) }
            batch = head
        }
        do {
            try database.write(batch, sync: durability == .synced)
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    private func stage(_ part: CodeWrites, into batch: WriteBatch) {
        let codes = families[.codes]
        part.forEach { key, record in batch.put(key, record, in: codes) }
    }

    /// The parts' records as batch representations, built one part per thread.
    private func codeBatches(_ parts: [CodeWrites]) -> [[UInt8]] {
        let built = Mutex<[Int: [UInt8]]>([:])
        DispatchQueue.concurrentPerform(iterations: parts.count) { index in
            let batch = WriteBatch()
            stage(parts[index], into: batch)
            let representation = batch.representation
            built.withLock { $0[index] = representation }
        }
        let finished = built.withLock { $0 }
        return (0..<parts.count).map { finished[$0]! }
    }
}
