import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// Writes the audit lines no changeset carried (public checks, refusals, downloads),
/// in groups, synced, on a thread of its own: never on an event loop, and never one
/// write per line.
///
/// A line whose caller waits for it (``write(_:)``: every call but a public check) is
/// written at once, together with whatever else is queued: group commit, one fsync for
/// all. Lines nobody waits for (``enqueue(_:)``: public checks, thousands a second)
/// gather for up to ``gatherDelay`` first, so a burst of checks costs one synced write
/// per gathering rather than one per check, and enqueueing costs the check a lock and,
/// at most once per gathering, a wake-up. A crash may therefore lose the lines of the
/// checks answered in the last ``gatherDelay`` (and of the gathering being synced);
/// nothing else.
final class AuditWriter: Sendable {
    /// One line and its key parts (see MarkingCore's `AuditStorage.swift`).
    struct Line: Sendable {
        var ms: UInt64
        var sequence: UInt64
        var content: Content

        /// What is stored: the JSON, or for a public check the call it is written from
        /// on the writer's thread, so the event loop that answered the check only
        /// queues the call (strings it already holds) and writes nothing.
        enum Content: Sendable {
            case bytes([UInt8])
            case call(AuditTrail.Call)
        }

        /// The stored JSON.
        var bytes: [UInt8] {
            switch content {
            case .bytes(let bytes): bytes
            case .call(let call): AuditTrail.line(call, at: AuditTrail.Key(ms: ms, sequence: sequence))
            }
        }
    }

    /// How long the first line nobody waits for waits for the lines after it.
    static let gatherDelay = DispatchTimeInterval.milliseconds(10)

    private typealias Waiter = @Sendable (Result<Void, MarkingError>) -> Void

    private struct State {
        var lines: [Line] = []
        /// Told when the lines queued before them are written.
        var waiters: [Waiter] = []
        /// When the oldest queued line arrived.
        var first: DispatchTime?
        /// The thread waits for work with no deadline: the next line wakes it.
        var sleeping = false
        var stopping = false
        var stopped = false
    }

    private let store: MarkingStore
    private let state = Mutex<State>(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Lines lost because the store refused their write (counted, never silent).
    let lost = Atomic<Int>(0)

    init(store: MarkingStore) {
        self.store = store
        let thread = Thread { [self] in loop() }
        thread.name = "marking.audit.writer"
        thread.start()
    }

    /// Queues `line` and returns at once: for public checks.
    func enqueue(_ line: Line) {
        let signal = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.lines.append(line)
            if state.first == nil { state.first = .now() }
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if signal { wake.signal() }
    }

    /// Queues `line` and returns once it is synced with the lines queued with it.
    func write(_ line: Line) async throws(MarkingError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, MarkingError>, Never>) in
            waitFor(line) { continuation.resume(returning: $0) }
        }
        try result.get()
    }

    /// Blocks until every line queued before the call is written (or lost).
    func flush() {
        let done = DispatchSemaphore(value: 0)
        waitFor(nil) { _ in done.signal() }
        done.wait()
    }

    /// Writes what is queued and stops the thread; lines queued later are dropped.
    func close() {
        let running = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.stopping = true
            return true
        }
        guard running else { return }
        wake.signal()
        finished.wait()
    }

    private func waitFor(_ line: Line?, _ waiter: @escaping Waiter) {
        let queued = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            if let line { state.lines.append(line) }
            if state.first == nil { state.first = .now() }
            state.waiters.append(waiter)
            state.sleeping = false
            return true
        }
        guard queued else { return waiter(.failure(MarkingError(.store, "the audit trail is closed"))) }
        wake.signal()
    }

    private enum Step {
        case sleep
        case gather(until: DispatchTime)
        case write([Line], [Waiter])
        case stop
    }

    private func loop() {
        while true {
            let step = state.withLock { state -> Step in
                if state.lines.isEmpty, state.waiters.isEmpty {
                    if state.stopping {
                        state.stopped = true
                        return .stop
                    }
                    state.sleeping = true
                    return .sleep
                }
                if state.waiters.isEmpty, !state.stopping, let first = state.first, DispatchTime.now() < first + Self.gatherDelay {
                    return .gather(until: first + Self.gatherDelay)
                }
                defer {
                    state.lines = []
                    state.waiters = []
                    state.first = nil
                }
                return .write(state.lines, state.waiters)
            }
            switch step {
            case .stop:
                finished.signal()
                return
            case .sleep:
                wake.wait()
            case .gather(let deadline):
                _ = wake.wait(timeout: deadline)
            case .write(let lines, let waiters):
                let result = write(lines)
                for waiter in waiters { waiter(result) }
            }
        }
    }

    private func write(_ lines: [Line]) -> Result<Void, MarkingError> {
        guard !lines.isEmpty else { return .success(()) }
        do {
            // Encoded before the commit: the rule runs under the store's commit order,
            // which every registry writer waits for.
            let encoded = lines.map { (ms: $0.ms, sequence: $0.sequence, bytes: $0.bytes) }
            _ = try store.committer.commit(.synced) { changeset in
                for line in encoded { changeset.putAuditLine(ms: line.ms, sequence: line.sequence, line.bytes) }
            }
            return .success(())
        } catch {
            lost.add(lines.count, ordering: .relaxed)
            return .failure(error)
        }
    }
}
