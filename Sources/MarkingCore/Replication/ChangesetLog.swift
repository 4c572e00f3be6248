/// A replicated, totally ordered log that changesets are appended to before they are
/// applied: kept by another system (NATS JetStream in the `Cluster` module), never by
/// this engine, which builds no consensus of its own.
///
/// A changeset larger than ``maximumMessageBytes`` is appended as several consecutive
/// messages (``LogFrame``); the expected-last-sequence check makes them consecutive
/// or makes the append fail, so every replica sees the same complete changesets in
/// the same order.
public protocol ChangesetLog: Sendable {
    /// The largest message the log takes.
    var maximumMessageBytes: Int { get }

    /// Appends `message` only if the log's last sequence is `expectedLast` (0: empty)
    /// and returns its sequence once the log has stored it durably (on a quorum).
    func append(_ message: [UInt8], expectedLast: UInt64) throws(LogAppendError) -> UInt64

    /// The log's last sequence.
    func lastSequence() throws(MarkingError) -> UInt64

    /// Messages after `sequence`, in order, at most `limit`, waiting up to `wait` for
    /// the first; empty when none came. A log trimmed past `sequence` starts with a
    /// later sequence.
    func read(after sequence: UInt64, limit: Int, wait: Duration) throws(MarkingError) -> [LogMessage]

    /// Drops the messages up to and including `sequence`: every replica holds a
    /// checkpoint at or after it.
    func trim(through sequence: UInt64) throws(MarkingError)
}

/// One message of a ``ChangesetLog``.
public struct LogMessage: Sendable, Equatable {
    public var sequence: UInt64
    public var bytes: [UInt8]

    public init(sequence: UInt64, bytes: [UInt8]) {
        self.sequence = sequence
        self.bytes = bytes
    }
}

/// Why an append did not happen.
public enum LogAppendError: Error, Sendable {
    /// Another writer appended first: the log's last sequence is `actualLast`. Catch
    /// up and validate again.
    case moved(actualLast: UInt64)
    /// The log could not be reached or refused the message; the outcome may be unknown.
    case failed(MarkingError)
}
