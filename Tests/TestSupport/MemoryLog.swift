import MarkingCore
import Synchronization

/// A ``ChangesetLog`` in memory, shared by replicas in one test process: the same
/// expected-last-sequence contract as JetStream's, so the replication logic can be
/// tested quickly and deterministically. `failAfter` makes an append fail midway,
/// as a writer killed between two frames of one changeset.
public final class MemoryLog: ChangesetLog, Sendable {
    private let messages = Mutex<[[UInt8]]>([])
    /// Messages up to this sequence were trimmed.
    private let trimmed = Mutex<UInt64>(0)
    private let appendsLeft = Mutex<Int?>(nil)
    public let maximumMessageBytes: Int

    public init(maximumMessageBytes: Int = 1 << 20) {
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// Makes every append after the next `count` fail, until reset with `nil`.
    public func failAfter(_ count: Int?) { appendsLeft.withLock { $0 = count } }

    public var count: Int { messages.withLock { $0.count } }

    public func append(_ message: [UInt8], expectedLast: UInt64) throws(LogAppendError) -> UInt64 {
        if let left = appendsLeft.withLock({ $0 }) {
            guard left > 0 else { throw .failed(MarkingError(.store, "the log is unreachable")) }
            appendsLeft.withLock { $0 = left - 1 }
        }
        precondition(message.count <= maximumMessageBytes, "a message above the log's limit")
        return try messages.withLock { messages throws(LogAppendError) -> UInt64 in
            guard UInt64(messages.count) == expectedLast else { throw .moved(actualLast: UInt64(messages.count)) }
            messages.append(message)
            return UInt64(messages.count)
        }
    }

    public func lastSequence() throws(MarkingError) -> UInt64 { UInt64(count) }

    public func trim(through sequence: UInt64) throws(MarkingError) {
        trimmed.withLock { $0 = max($0, sequence) }
    }

    public func read(after sequence: UInt64, limit: Int, wait: Duration) throws(MarkingError) -> [LogMessage] {
        let first = trimmed.withLock { $0 }
        return messages.withLock { messages in
            let start = Int(max(sequence, first))
            guard start < messages.count else { return [] }
            return (start..<min(messages.count, start + limit)).map { LogMessage(sequence: UInt64($0 + 1), bytes: messages[$0]) }
        }
    }
}
