import Foundation
import Synchronization

/// How far the records of an emission range are durable (synced to the write-ahead
/// log), for whoever hands the range's codes out while they are being written: the
/// command line's `emit` prints a block of codes only once its records are synced, so
/// its output never holds a code a crash could lose (``Committer/materialize(_:progress:durable:)``).
///
/// The writer syncs when a reader waits for records it has already written, so a
/// reader far behind the writer costs no extra sync, and one ahead of it costs one per
/// block it waits for at most.
public final class DurableFrontier: Sendable {
    private struct State {
        /// Counters below this are synced.
        var synced: UInt64
        /// Counters below this are written (maybe not synced).
        var written: UInt64
        /// The lowest counter a reader waits to see synced.
        var waitingFor: UInt64 = .max
        var failed: MarkingError?
    }

    private let state: Mutex<State>
    private let condition = NSCondition()

    /// A frontier for a range starting at counter `start`.
    public init(start: UInt64) {
        state = Mutex(State(synced: start, written: start))
    }

    /// Blocks until the records below counter `end` are synced; throws what stopped
    /// the writer if it failed first.
    public func wait(until end: UInt64) throws(MarkingError) {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let outcome = state.withLock { state -> Result<Bool, MarkingError> in
                if let failed = state.failed { return .failure(failed) }
                if state.synced >= end { return .success(true) }
                state.waitingFor = min(state.waitingFor, end)
                return .success(false)
            }
            if try outcome.get() { return }
            condition.wait()
        }
    }

    /// The writer wrote the records below `end`: whether a reader waits for them, so
    /// that a sync now would let it go on.
    func wrote(through end: UInt64) -> Bool {
        state.withLock { state in
            state.written = end
            return state.waitingFor <= end
        }
    }

    /// The records below `end` are synced: readers waiting for them go on.
    func synced(through end: UInt64) {
        state.withLock { state in
            state.synced = max(state.synced, end)
            if state.waitingFor <= state.synced { state.waitingFor = .max }
        }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// The writer failed: every reader gets `error`.
    func fail(_ error: MarkingError) {
        state.withLock { $0.failed = error }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}
