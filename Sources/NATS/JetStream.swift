import CNATS

/// JetStream on one connection: streams, publishing with an expected last sequence,
/// reading by sequence, trimming.
///
/// The registry's single linear order of writes rests on ``publish(subject:_:expectedLastSequence:messageID:headers:timeout:)``:
/// a writer that validated its change against the state at sequence S publishes with
/// `expectedLastSequence: S`; if another writer appended first, the stream stores
/// nothing and the call throws ``NATSError/Code/wrongLastSequence``, so no lock
/// service of our own is needed. nats.c's `jsCtx` is thread-safe and immutable after
/// creation, hence `@unchecked Sendable`. Every call blocks up to its timeout.
public final class JetStream: @unchecked Sendable {
    let handle: OpaquePointer
    /// The connection this context talks through; kept alive as long as the context.
    public let connection: NATSConnection
    /// The wait for API answers and publish acknowledgements.
    public let requestTimeout: Duration

    init(connection: NATSConnection, requestTimeout: Duration) throws(NATSError) {
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Wait = requestTimeout.wholeMilliseconds
        var context: OpaquePointer?
        try NATSError.check(natsConnection_JetStream(&context, connection.handle, &options), "cannot create a JetStream context")
        handle = context!
        self.connection = connection
        self.requestTimeout = requestTimeout
    }

    deinit {
        jsCtx_Destroy(handle)
    }

    // MARK: Streams

    /// The stream named `config.name`, created with `config` if it does not exist.
    ///
    /// An existing stream is returned as it is, never changed: the caller compares
    /// ``StreamInfo/config`` with what it needs (e.g. the replica count) and refuses
    /// to run on the wrong one.
    public func ensureStream(_ config: StreamConfig) throws(NATSError) -> StreamInfo {
        do {
            return try streamInfo(config.name)
        } catch where error.code == .streamNotFound {
            do {
                return try createStream(config)
            } catch where error.code == .streamExists {
                // Another process created it between the two calls.
                return try streamInfo(config.name)
            }
        }
    }

    /// Creates a stream. Creating one that exists with the same configuration
    /// succeeds; with another configuration it throws ``NATSError/Code/streamExists``.
    public func createStream(_ config: StreamConfig) throws(NATSError) -> StreamInfo {
        try streamCall("cannot create stream \(config.name)") { info, error in
            let strings = CStrings()
            return withExtendedLifetime(strings) {
                config.withC(strings) { js_AddStream(&info, handle, $0, nil, &error) }
            }
        }
    }

    /// Changes a stream's configuration. The server refuses some changes, e.g. the
    /// storage kind, with ``NATSError/Code/invalidStreamConfig``.
    public func updateStream(_ config: StreamConfig) throws(NATSError) -> StreamInfo {
        try streamCall("cannot update stream \(config.name)") { info, error in
            let strings = CStrings()
            return withExtendedLifetime(strings) {
                config.withC(strings) { js_UpdateStream(&info, handle, $0, nil, &error) }
            }
        }
    }

    /// The stream's configuration, state (first and last sequence) and replica
    /// group (leader); throws ``NATSError/Code/streamNotFound`` if there is none.
    public func streamInfo(_ name: String) throws(NATSError) -> StreamInfo {
        try streamCall("cannot read stream \(name)") { info, error in
            js_GetStreamInfo(&info, handle, name, nil, &error)
        }
    }

    /// Deletes a stream and every message in it.
    public func deleteStream(_ name: String) throws(NATSError) {
        var error = jsErrCode(rawValue: 0)
        let status = js_DeleteStream(handle, name, nil, &error)
        try NATSError.check(status, error, "cannot delete stream \(name)")
    }

    /// Removes every message with a sequence below `sequence` (the stream keeps
    /// `sequence` and after): the log is trimmed behind a checkpoint that covers
    /// everything before `sequence`. ``StreamInfo/lastSequence`` does not change.
    public func purge(stream: String, upTo sequence: UInt64) throws(NATSError) {
        guard sequence > 1 else { return }
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Stream.Purge.Sequence = sequence
        var error = jsErrCode(rawValue: 0)
        let status = js_PurgeStream(handle, stream, &options, &error)
        try NATSError.check(status, error, "cannot purge stream \(stream) below \(sequence)")
    }

    private func streamCall(
        _ context: @autoclosure () -> String,
        _ call: (inout UnsafeMutablePointer<jsStreamInfo>?, inout jsErrCode) -> natsStatus
    ) throws(NATSError) -> StreamInfo {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var error = jsErrCode(rawValue: 0)
        let status = call(&info, &error)
        defer { jsStreamInfo_Destroy(info) }
        try NATSError.check(status, error, context())
        guard let info else {
            throw NATSError(code: .library, message: "\(context()): no stream information in the answer")
        }
        return StreamInfo(info)
    }

    // MARK: Publishing

    /// Appends `bytes` to the stream that takes `subject` and returns the sequence
    /// the stream stored it at, once a majority of its replicas has it.
    ///
    /// - Parameters:
    ///   - expectedLastSequence: store only if the stream's last sequence is exactly
    ///     this (0: the stream is empty); otherwise nothing is stored and the call
    ///     throws ``NATSError/Code/wrongLastSequence`` with
    ///     ``NATSError/actualLastSequence``.
    ///   - messageID: a `Nats-Msg-Id`: a second publish with the same ID within the
    ///     stream's duplicate window is not stored again and returns the first one's
    ///     sequence, so a publish that timed out can be retried safely. The server
    ///     checks it before the expected last sequence, so a retry of a publish that
    ///     did land returns its sequence rather than a mismatch.
    ///   - headers: more headers stored with the message.
    ///   - timeout: overrides ``requestTimeout``. ``NATSError/Code/timeout`` and
    ///     ``NATSError/Code/disconnected`` leave the outcome unknown.
    @discardableResult
    public func publish(
        subject: String, _ bytes: [UInt8], expectedLastSequence: UInt64? = nil, messageID: String? = nil,
        headers: [String: String] = [:], timeout: Duration? = nil
    ) throws(NATSError) -> UInt64 {
        var message: OpaquePointer?
        let created = bytes.withUnsafeBytes { buffer in
            natsMsg_Create(&message, subject, nil, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
        }
        try NATSError.check(created, "cannot publish on \(subject)")
        defer { natsMsg_Destroy(message) }
        var extra = headers
        // jsPubOptions.ExpectLastSeq cannot say "empty stream": nats.c sends the
        // header only for a value above 0. The server reads the header itself.
        if let expectedLastSequence { extra["Nats-Expected-Last-Sequence"] = String(expectedLastSequence) }
        if let messageID { extra["Nats-Msg-Id"] = messageID }
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) {
            try NATSError.check(natsMsgHeader_Set(message, key, value), "cannot set header \(key)")
        }
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = (timeout ?? requestTimeout).wholeMilliseconds
        var ack: UnsafeMutablePointer<jsPubAck>?
        var error = jsErrCode(rawValue: 0)
        let status = js_PublishMsg(&ack, handle, message, &options, &error)
        defer { jsPubAck_Destroy(ack) }
        try NATSError.check(status, error, "publish on \(subject) failed")
        guard let ack else {
            throw NATSError(code: .library, message: "publish on \(subject): no acknowledgement")
        }
        return ack.pointee.Sequence
    }

    // MARK: Reading

    /// The message stored at `sequence`, or `nil` if there is none (never written,
    /// purged or deleted). Answered by the stream leader, so it sees every
    /// acknowledged publish.
    public func message(stream: String, sequence: UInt64) throws(NATSError) -> StreamMessage? {
        var message: OpaquePointer?
        var error = jsErrCode(rawValue: 0)
        let status = js_GetMsg(&message, handle, stream, sequence, nil, &error)
        defer { natsMsg_Destroy(message) }
        if status == NATS_NOT_FOUND || error.rawValue == 10037 || error.rawValue == 10043 { return nil }
        try NATSError.check(status, error, "cannot read message \(sequence) of stream \(stream)")
        guard let message else { return nil }
        return StreamMessage(
            copying: message, sequence: natsMsg_GetSequence(message), timestampNanoseconds: natsMsg_GetTime(message))
    }

    /// A reader that delivers the stream's messages in order from `sequence` on.
    ///
    /// - Parameters:
    ///   - subject: a filter over the stream's subjects; `nil` reads everything (the
    ///     stream must then have exactly one subject).
    ///   - heartbeat: how often the server proves the reader's consumer is alive;
    ///     the consumer is recreated after two missed heartbeats (e.g. its server
    ///     died).
    public func reader(
        stream: String, subject: String? = nil, from sequence: UInt64, heartbeat: Duration = .seconds(1)
    ) throws(NATSError) -> StreamReader {
        var filter = subject
        if filter == nil {
            let subjects = try streamInfo(stream).config.subjects
            guard subjects.count == 1 else {
                throw NATSError(
                    code: .invalidArgument,
                    message: "stream \(stream) has \(subjects.count) subjects: name the one to read")
            }
            filter = subjects[0]
        }
        return try StreamReader(
            jetStream: self, stream: stream, subject: filter!, from: sequence, heartbeat: heartbeat)
    }
}
