import Synchronization

/// The audit line of the call being served, carried by the first changeset committed
/// while serving it: a mutation and the line that records it are then one write batch
/// (synced together) and, in a cluster, one entry of the log, so neither survives a
/// crash without the other.
///
/// The HTTP layer binds one to ``current`` around a mutating call; the ``Committer``
/// adds the line to the first non-empty changeset committed in that scope and marks
/// it ``committed``. Work handed to other threads carries the binding explicitly
/// (MarkingHTTP's `StoreWorkers` does). A call that commits nothing (a refusal, a
/// repeat) leaves the line for its caller to write.
public final class AuditAttachment: Sendable {
    /// The line of the call served by this task or thread, if any.
    @TaskLocal public static var current: AuditAttachment?

    /// The line's key parts (see `AuditStorage.swift`).
    public let ms: UInt64
    public let sequence: UInt64
    /// The line as it stands when a changeset takes it (its status the one the call
    /// answers on success).
    private let render: @Sendable () -> [UInt8]
    private let written = Mutex<[UInt8]?>(nil)

    public init(ms: UInt64, sequence: UInt64, render: @escaping @Sendable () -> [UInt8]) {
        self.ms = ms
        self.sequence = sequence
        self.render = render
    }

    /// The bytes of the line a committed changeset carried; `nil` while none did.
    public var committed: [UInt8]? { written.withLock { $0 } }

    /// Adds the line to `changeset` unless an earlier changeset carried it; returns
    /// what was added, for ``markCommitted(_:)`` once the changeset is written.
    func attach(to changeset: inout Changeset) -> [UInt8]? {
        guard committed == nil else { return nil }
        let line = render()
        changeset.putAuditLine(ms: ms, sequence: sequence, line)
        return line
    }

    func markCommitted(_ line: [UInt8]) {
        written.withLock { $0 = line }
    }
}
