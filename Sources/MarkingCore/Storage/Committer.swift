import Dispatch
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
/// Every batch also writes the registry's *applied sequence*, one more than the last,
/// under `meta` key `applied` (see `MetaStorage.swift`), so the sequence always names
/// exactly the changesets a store holds. A replicated log records which changeset
/// has which sequence; a replica applies them in that order with ``apply(_:durability:)``.
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
    /// The commit order; holds the applied sequence.
    private let order = Mutex<UInt64>(0)
    /// The applied sequence, readable without waiting for the commit order.
    private let published = Atomic<UInt64>(0)
    /// Told of every changeset written, in order (``observe(_:)``).
    private let observer = Mutex<(@Sendable (Changeset, UInt64) -> Void)?>(nil)

    /// Code records above which a batch is built on several threads.
    static let parallelCodes = 200_000

    init(database: Database, families: StoreFamilies) {
        self.database = database
        self.families = families
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
        order.withLock { $0 = sequence }
        published.store(sequence, ordering: .releasing)
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
        try order.withLock { sequence throws(MarkingError) -> Committed<Value> in
            var changeset = Changeset()
            let value = try rule(&changeset)
            guard !changeset.isEmpty else { return Committed(value: value, sequence: sequence) }
            try write(changeset, sequence: sequence + 1, durability: durability)
            sequence += 1
            published.store(sequence, ordering: .releasing)
            observer.withLock { $0 }?(changeset, sequence)
            return Committed(value: value, sequence: sequence)
        }
    }

    /// Applies a changeset built elsewhere (by a rule on another replica, read back
    /// from a log): its operations and code records in one batch with the next
    /// applied sequence, then the records of its emission ranges.
    @discardableResult
    public func apply(_ changeset: Changeset, durability: Durability = .synced) throws(MarkingError) -> UInt64 {
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
    /// hold every document behind it. `progress` hears of each batch's codes.
    public func materialize(_ range: EmissionRange, progress: (@Sendable (Int) -> Void)? = nil) throws(MarkingError) {
        do {
            try range.write(into: database, family: families[.codes], progress: progress)
            try database.syncWAL()
        } catch let error as MarkingError {
            throw error
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    private func write(_ changeset: Changeset, sequence: UInt64, durability: Durability) throws(MarkingError) {
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
