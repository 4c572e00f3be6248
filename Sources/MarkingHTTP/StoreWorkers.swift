import Dispatch
import MarkingCore

/// Runs blocking store work (RocksDB reads and synced writes, emissions) on a
/// concurrent Dispatch queue, off the NIO event loops, and resumes the caller's task
/// with the result.
public struct StoreWorkers: Sendable {
    /// The workers' own queue (each ``StoreWorkers`` has one); its threads are the QoS's
    /// shared pool.
    let queue: DispatchQueue

    public init(label: String = "marking.http.store") {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
    }

    /// Runs `body` on the worker queue and returns what it returns or throws.
    /// The audit line of the calling task (``AuditAttachment/current``) stays bound
    /// while `body` runs, so a changeset `body` commits carries it.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let attachment = AuditAttachment.current
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                AuditAttachment.$current.withValue(attachment) {
                    continuation.resume(with: Result { try body() })
                }
            }
        }
    }

    /// Blocks until every piece of work started before the call has returned: a
    /// barrier on the queue. The store is closed only after this.
    public func drain() {
        queue.sync(flags: .barrier) {}
    }

    /// Runs `body` on the worker queue and resumes the caller with the first value
    /// `body` hands to `answer`, while `body` goes on: a document's id is answered as
    /// soon as it is stored, its job runs on. An error `body` throws before answering
    /// reaches the caller; one thrown after goes to `late`, as nobody waits any more.
    public func start<T: Sendable>(
        _ body: @escaping @Sendable (_ answer: (T) -> Void) throws -> Void, late: @escaping @Sendable (any Error) -> Void
    ) async throws -> T {
        let attachment = AuditAttachment.current
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                AuditAttachment.$current.withValue(attachment) {
                    run(body, answering: continuation, late: late)
                }
            }
        }
    }

    private func run<T: Sendable>(
        _ body: @Sendable (_ answer: (T) -> Void) throws -> Void, answering continuation: CheckedContinuation<T, any Error>,
        late: @Sendable (any Error) -> Void
    ) {
        var answered = false
        do {
            try body { value in
                guard !answered else { return }
                answered = true
                continuation.resume(returning: value)
            }
            if !answered { continuation.resume(throwing: CancellationError()) }
        } catch {
            if answered { late(error) } else { continuation.resume(throwing: error) }
        }
    }
}

extension StoreWorkers {
    /// Queues `body` on the workers without waiting for it: for work whose result
    /// nobody needs, such as an audit line. ``drain()`` waits for it too.
    public func submit(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Queues `body` on the workers `delay` from now without waiting for it.
    /// ``drain()`` does not wait for work whose delay has not run out.
    public func submit(after delay: DispatchTimeInterval, _ body: @escaping @Sendable () -> Void) {
        queue.asyncAfter(deadline: .now() + delay, execute: body)
    }
}
