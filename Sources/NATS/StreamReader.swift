import CNATS
import Synchronization

/// Delivers a stream's messages in sequence order, from a given sequence on, to one
/// reader (a replica applying the log).
///
/// It is nats.c's ordered consumer: an ephemeral, unacknowledged push consumer that
/// the library recreates from the last delivered sequence when it detects a gap or
/// missed heartbeats (its server died). This class adds a second guard: it tracks
/// ``nextSequence`` itself, drops anything below it, and recreates the consumer
/// from it after any error the library surfaces, so a caller sees each sequence at
/// most once and in order. Messages below the stream's first sequence were purged:
/// the first message returned then has a sequence above the one asked for, which a
/// replica treats as "bootstrap from a checkpoint".
///
/// Reads are serialised by a lock; `@unchecked Sendable` because the C subscription
/// is only touched under it. ``nextSequence`` and ``pending`` are atomics, so a
/// health check reads them without waiting for a read in progress.
public final class StreamReader: @unchecked Sendable {
    private struct State {
        var subscription: OpaquePointer?
        var closed = false
    }

    private let jetStream: JetStream
    private let heartbeat: Duration
    private let state: Mutex<State>
    private let next = Atomic<UInt64>(0)
    private let lag = Atomic<UInt64>(0)
    /// The stream read.
    public let stream: String
    /// The subject filter.
    public let subject: String

    init(jetStream: JetStream, stream: String, subject: String, from sequence: UInt64, heartbeat: Duration)
        throws(NATSError)
    {
        self.jetStream = jetStream
        self.stream = stream
        self.subject = subject
        self.heartbeat = heartbeat
        let start = max(sequence, 1)
        let subscription = try Self.subscribe(jetStream, stream, subject, start, heartbeat)
        state = Mutex(State(subscription: subscription))
        next.store(start, ordering: .releasing)
    }

    deinit {
        close()
    }

    /// The sequence the next message returned will have at least.
    public var nextSequence: UInt64 {
        next.load(ordering: .acquiring)
    }

    /// How many messages the stream held after the last one returned, when it was
    /// delivered: the reader's lag behind the log.
    public var pending: UInt64 {
        lag.load(ordering: .acquiring)
    }

    /// Up to `maxMessages` messages in order, waiting at most `wait` for the first;
    /// an empty array when nothing arrived in time. Messages already queued are
    /// returned without waiting further.
    public func next(maxMessages: Int = 256, wait: Duration) throws(NATSError) -> [StreamMessage] {
        try state.withLock { state throws(NATSError) -> [StreamMessage] in
            guard !state.closed else {
                throw NATSError(code: .closed, message: "the reader of \(stream) is closed")
            }
            if state.subscription == nil {
                state.subscription = try Self.subscribe(jetStream, stream, subject, nextSequence, heartbeat)
            }
            var messages: [StreamMessage] = []
            var timeout = wait.wholeMilliseconds
            while messages.count < maxMessages {
                var message: OpaquePointer?
                let status = natsSubscription_NextMsg(&message, state.subscription, timeout)
                timeout = 0
                if status == NATS_TIMEOUT { break }
                guard status == NATS_OK, let message else {
                    let error = NATSError(status: status, context: "reading stream \(stream) failed")
                    natsMsg_Destroy(message)
                    // The subscription is broken (the library dropped messages for a
                    // slow reader, the connection closed): the next call starts a new
                    // consumer at `nextSequence`, so nothing is skipped.
                    natsSubscription_Destroy(state.subscription)
                    state.subscription = nil
                    if error.code == .closed && messages.isEmpty { throw error }
                    break
                }
                defer { natsMsg_Destroy(message) }
                var meta: UnsafeMutablePointer<jsMsgMetaData>?
                guard natsMsg_GetMetaData(&meta, message) == NATS_OK, let meta else { continue }
                defer { jsMsgMetaData_Destroy(meta) }
                let sequence = meta.pointee.Sequence.Stream
                lag.store(meta.pointee.NumPending, ordering: .releasing)
                guard sequence >= nextSequence else { continue }
                messages.append(StreamMessage(copying: message, sequence: sequence, timestampNanoseconds: meta.pointee.Timestamp))
                next.store(sequence + 1, ordering: .releasing)
            }
            return messages
        }
    }

    /// Stops the reader and deletes its consumer. Safe to call more than once.
    public func close() {
        let subscription = state.withLock { state -> OpaquePointer? in
            state.closed = true
            defer { state.subscription = nil }
            return state.subscription
        }
        Self.unsubscribe(subscription)
    }

    private static func subscribe(
        _ jetStream: JetStream, _ stream: String, _ subject: String, _ start: UInt64, _ heartbeat: Duration
    ) throws(NATSError) -> OpaquePointer {
        var options = jsSubOptions()
        jsSubOptions_Init(&options)
        options.Ordered = true
        options.Config.OptStartSeq = start
        options.Config.DeliverPolicy = js_DeliverByStartSequence
        options.Config.Heartbeat = heartbeat.wholeNanoseconds
        var subscription: OpaquePointer?
        var error = jsErrCode(rawValue: 0)
        let strings = CStrings()
        let status = withExtendedLifetime(strings) {
            options.Stream = strings.copy(stream)
            return js_SubscribeSync(&subscription, jetStream.handle, subject, nil, &options, &error)
        }
        try NATSError.check(status, error, "cannot read stream \(stream) from \(start)")
        guard let subscription else {
            throw NATSError(code: .library, message: "cannot read stream \(stream) from \(start): no subscription")
        }
        return subscription
    }

    private static func unsubscribe(_ subscription: OpaquePointer?) {
        guard let subscription else { return }
        // Unsubscribe deletes the ephemeral consumer; destroy frees the memory.
        natsSubscription_Unsubscribe(subscription)
        natsSubscription_Destroy(subscription)
    }
}
