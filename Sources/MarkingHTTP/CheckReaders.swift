import NIOCore
import NIOPosix

/// Threads of their own for the public checks whose record is not in memory: a point
/// read from disk while a phone or a till waits for it.
///
/// They are not libdispatch's. On Linux libdispatch serves every queue of one QoS from
/// one pool (see ``StoreWorkers``), so on the store workers such a read queued behind an
/// order's emission and a document's job on the same two threads: right after a start,
/// with the block cache cold, the day's mix then had checks waiting 100 ms and more.
/// A `NIOThreadPool` is a fixed set of threads that nothing else uses.
public final class CheckReaders: Sendable {
    private let pool: NIOThreadPool

    /// Starts `threads` reader threads: one per core by default, as the event loops.
    public init(threads: Int = System.coreCount) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `body` on a reader thread. It always runs: once the readers stop, it runs
    /// where the pool hands out what was left (a check still gets its answer, or its
    /// turn at the router, rather than a connection left waiting).
    public func submit(_ body: @escaping @Sendable () -> Void) {
        pool.submit { _ in body() }
    }

    /// Waits for the reads in flight and stops the threads; call before the store closes.
    public func close() {
        try? pool.syncShutdownGracefully()
    }
}
