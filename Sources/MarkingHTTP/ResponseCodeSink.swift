import Dispatch
import Emitter
import Synchronization

/// A ``CodeSink`` that hands the emitter's blocks to an HTTP response body as they are
/// generated, holding at most ``capacity`` blocks in between.
///
/// The emitter's shard queues call ``consume(_:)``; it waits for room, so a slow
/// client slows generation instead of filling memory. When the client goes away the
/// writer calls ``abandon()``: waiting and later blocks then fail, which ends the
/// download. A shard waits at most ``stallLimit`` for room, so a client that stops
/// reading cannot hold the emitter's queues for longer than that.
final class ResponseCodeSink: CodeSink {
    /// Blocks generated but not yet written.
    static let capacity = 8
    /// The longest a shard waits for the client to take a block.
    static let stallLimit: DispatchTimeInterval = .seconds(60)

    /// Why a download stopped early.
    struct Abandoned: Error {}

    let blocks: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    /// Counts the free places. Created at zero and raised to ``capacity``: libdispatch
    /// refuses to free a semaphore whose count is below the value it was created with,
    /// which an abandoned download would leave it at.
    private let room = DispatchSemaphore(value: 0)
    private let abandoned = Atomic<Bool>(false)

    init() {
        (blocks, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .unbounded)
        for _ in 0..<Self.capacity { room.signal() }
    }

    func consume(_ block: [UInt8]) throws {
        guard !block.isEmpty else { return }
        guard !abandoned.load(ordering: .acquiring) else { throw Abandoned() }
        guard room.wait(timeout: .now() + Self.stallLimit) == .success else {
            abandoned.store(true, ordering: .releasing)
            throw Abandoned()
        }
        guard !abandoned.load(ordering: .acquiring) else {
            room.signal()
            throw Abandoned()
        }
        continuation.yield(block)
    }

    /// The writer took a block: there is room for one more.
    func taken() { room.signal() }

    /// The client is gone: every further block fails, and shards waiting for room
    /// wake up and stop.
    func abandon() {
        abandoned.store(true, ordering: .releasing)
        for _ in 0..<Self.capacity { room.signal() }
    }

    /// No more blocks will come.
    func finish() { continuation.finish() }
}
