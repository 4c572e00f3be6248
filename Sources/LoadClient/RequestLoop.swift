import Histogram
import NIOCore
import NIOPosix
import Synchronization

/// How a ``RequestLoop`` paces its requests.
public enum LoopPace: Sendable, Equatable {
    /// Each of `connections` sends its next request as soon as the last is answered:
    /// a fixed concurrency, throughput is what the server manages.
    case closedLoop(connections: Int)
    /// Requests are due at a fixed `perSecond` rate, spread over `connections`. Latency
    /// runs from when a request was due, not from when it could be sent, so a server
    /// that stalls is charged for the requests queued behind the stall (no coordinated
    /// omission).
    case fixedRate(perSecond: Double, connections: Int)
    /// Like ``closedLoop(connections:)``, but every request of the set is sent exactly
    /// once, in order, and the loop ends when all are answered: to bring a server to
    /// the state it would be in after serving these requests a while (its caches
    /// holding what they read), before a measured run.
    case sweep(connections: Int)

    var connections: Int {
        switch self {
        case .closedLoop(let connections), .fixedRate(_, let connections), .sweep(let connections): connections
        }
    }
}

/// Counts a loop's answers while it runs, for a progress line.
public final class LoopProgress: Sendable {
    private let answered = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)

    public init() {}

    /// Answers so far, warm-up included.
    public var completed: Int { answered.load(ordering: .relaxed) }
    /// Errors so far, warm-up included.
    public var errors: Int { failed.load(ordering: .relaxed) }

    func add(ok: Int, errors: Int) {
        if ok > 0 { answered.add(ok, ordering: .relaxed) }
        if errors > 0 {
            answered.add(errors, ordering: .relaxed)
            failed.add(errors, ordering: .relaxed)
        }
    }
}

/// What a loop measured after its warm-up.
public struct LoopResult: Sendable {
    /// Latencies of verified answers, in microseconds: from when each request was
    /// due (fixed rate) or sent (closed loop) to its answer.
    public var latencies: Histogram<UInt64>
    /// From when each request actually went out to its answer, in microseconds: the
    /// server's response time without the wait of requests queued behind a slow one
    /// (at a fixed rate the two differ; in a closed loop they are the same).
    public var responseTimes: Histogram<UInt64>
    /// Verified answers.
    public var ok: Int
    /// Requests that failed: a wrong status or body, a closed connection, no answer.
    public var errors: Int
    /// Errors by kind (`status 404`, `body`, `closed`, `unanswered`).
    public var errorKinds: [String: Int]
    /// The measured window in seconds (warm-up excluded).
    public var seconds: Double
    /// Requests due in the window (fixed rate) or sent in it (closed loop).
    public var sent: Int
    /// Per second of the window (by when requests were due): answers and the largest
    /// latency in microseconds. Shows whether a tail is spread out or one stall.
    public var timeline: [Second] = []

    /// One second of ``timeline``.
    public struct Second: Sendable {
        public var answers = 0
        public var maxMicroseconds: UInt64 = 0
    }

    static func empty() -> LoopResult {
        LoopResult(
            latencies: Histogram(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three),
            responseTimes: Histogram(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three),
            ok: 0, errors: 0, errorKinds: [:], seconds: 0, sent: 0)
    }

    mutating func merge(_ other: LoopResult) {
        latencies.add(other.latencies)
        responseTimes.add(other.responseTimes)
        ok += other.ok
        errors += other.errors
        sent += other.sent
        errorKinds.merge(other.errorKinds, uniquingKeysWith: +)
        if timeline.count < other.timeline.count {
            timeline += Array(repeating: Second(), count: other.timeline.count - timeline.count)
        }
        for (index, second) in other.timeline.enumerated() {
            timeline[index].answers += second.answers
            timeline[index].maxMicroseconds = max(timeline[index].maxMicroseconds, second.maxMicroseconds)
        }
    }

    /// Verified answers per second.
    public var throughput: Double { seconds > 0 ? Double(ok) / seconds : 0 }

    /// Errors as a share of every request that ended.
    public var errorRate: Double {
        let total = ok + errors
        return total > 0 ? Double(errors) / Double(total) : 0
    }
}

/// Runs `GET` requests picked at random from a ``RequestSet`` over keep-alive
/// connections, verifying every answer, for a warm-up and then a measured window. Each
/// connection is driven entirely on its event loop (no task or thread hop per
/// request), which is what lets one client thread offer tens of thousands of requests
/// a second while the server has the rest of the machine.
public enum RequestLoop {
    /// How long after the window requests still in flight may take before they count
    /// as unanswered errors.
    public static let grace: TimeAmount = .seconds(10)

    public static func run(
        _ requests: RequestSet, expect: ResponseExpectation, pace: LoopPace, warmup: Duration, duration: Duration,
        host: String, port: Int, group: any EventLoopGroup, progress: LoopProgress = LoopProgress()
    ) async throws(LoadClientError) -> LoopResult {
        precondition(requests.count > 0 && pace.connections > 0)
        let plan = LoopPlan(
            requests: requests, expect: expect, pace: pace, warmup: TimeAmount(warmup), duration: TimeAmount(duration),
            progress: progress)
        var channels: [any Channel] = []
        var results: [EventLoopFuture<LoopResult>] = []
        do {
            for index in 0..<pace.connections {
                let loop = group.next()
                let promise = loop.makePromise(of: LoopResult.self)
                let channel = try await ClientBootstrap(group: loop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let sync = channel.pipeline.syncOperations
                            try sync.addHandler(ByteToMessageHandler(ResponseDecoder()))
                            try sync.addHandler(LoopHandler(plan: plan, connection: index, promise: promise))
                        }
                    }
                    .connect(host: host, port: port).get()
                channels.append(channel)
                results.append(promise.futureResult)
            }
        } catch {
            for channel in channels { channel.close(promise: nil) }
            throw LoadClientError(.connect, "cannot open \(pace.connections) connections to \(host):\(port): \(error)")
        }
        // One start time for every connection, a little ahead so all are armed by then.
        let start = NIODeadline.now() + .milliseconds(20)
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(LoopStart(at: start))
        }
        let opened = channels
        let cutOff = group.next().scheduleTask(deadline: start + plan.warmup + plan.duration + grace) {
            for channel in opened { channel.close(promise: nil) }
        }
        var total = LoopResult.empty()
        for future in results {
            do {
                total.merge(try await future.get())
            } catch {
                total.errors += 1
                total.errorKinds["closed", default: 0] += 1
            }
        }
        cutOff.cancel()
        for channel in channels { try? await channel.close() }
        total.seconds = Double(plan.duration.nanoseconds) / 1e9
        return total
    }
}

/// Everything the connections of one loop share; immutable.
final class LoopPlan: Sendable {
    let requests: RequestSet
    let expect: ResponseExpectation
    let pace: LoopPace
    let warmup: TimeAmount
    let duration: TimeAmount
    let progress: LoopProgress

    init(requests: RequestSet, expect: ResponseExpectation, pace: LoopPace, warmup: TimeAmount, duration: TimeAmount, progress: LoopProgress) {
        self.requests = requests
        self.expect = expect
        self.pace = pace
        self.warmup = warmup
        self.duration = duration
        self.progress = progress
    }
}

/// The event that starts every connection of a loop at the same instant.
struct LoopStart: Sendable {
    let at: NIODeadline
}

/// One connection of a ``RequestLoop``: sends, verifies, records, sends again.
final class LoopHandler: ChannelInboundHandler {
    typealias InboundIn = ResponsePart
    typealias OutboundOut = ByteBuffer

    private let plan: LoopPlan
    private let connection: Int
    private let promise: EventLoopPromise<LoopResult>
    private var result = LoopResult.empty()
    private var random: SplitMix64
    private var start = NIODeadline.uptimeNanoseconds(0)
    private var measureFrom = NIODeadline.uptimeNanoseconds(0)
    private var end = NIODeadline.uptimeNanoseconds(0)
    /// The next request's number on this connection (fixed rate: its slot).
    private var sequence = 0
    private var inFlight: (index: Int, due: NIODeadline, sent: NIODeadline)?
    /// A response that did not come in one part: its head and the body so far.
    private var partial: (head: ResponseHead, body: ByteBuffer)?
    private var finished = false
    /// Answers not yet added to the shared progress counters (added in batches, so
    /// connections do not contend on one cache line per answer).
    private var unreported = (ok: 0, errors: 0)

    init(plan: LoopPlan, connection: Int, promise: EventLoopPromise<LoopResult>) {
        self.plan = plan
        self.connection = connection
        self.promise = promise
        random = SplitMix64(seed: UInt64(connection) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(NIODeadline.now().uptimeNanoseconds))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? LoopStart else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        start = event.at
        measureFrom = start + plan.warmup
        end = measureFrom + plan.duration
        sendNext(context)
    }

    /// When the next request is due on this connection.
    private func nextDue() -> NIODeadline {
        switch plan.pace {
        case .closedLoop, .sweep:
            return max(NIODeadline.now(), start)
        case .fixedRate(let perSecond, let connections):
            let slot = Double(connection) + Double(sequence) * Double(connections)
            return start + .nanoseconds(Int64(slot * 1e9 / perSecond))
        }
    }

    private func sendNext(_ context: ChannelHandlerContext) {
        guard !finished else { return }
        let due = nextDue()
        guard due < end, let index = requestIndex(sequence) else {
            finish()
            return
        }
        sequence += 1
        if due > NIODeadline.now() {
            context.eventLoop.assumeIsolated().scheduleTask(deadline: Self.tick(after: due, from: start)) { [self] in
                transmit(context, due: due, index: index)
            }
        } else {
            transmit(context, due: due, index: index)
        }
    }

    /// Sends due at a fixed rate go out on the next whole millisecond after they are due,
    /// as wrk2's timers do: the loop then wakes once a millisecond for every connection
    /// whose request fell due, not once per request, which at tens of thousands a
    /// second would cost the shared cores more than the requests. Latency still runs
    /// from `due`, so the wait counts against the server's figure, never for it.
    static func tick(after due: NIODeadline, from start: NIODeadline) -> NIODeadline {
        let millisecond: Int64 = 1_000_000
        let offset = (due - start).nanoseconds
        return start + .nanoseconds((offset + millisecond - 1) / millisecond * millisecond)
    }

    /// Which request the `sequence`-th of this connection sends: a random one, or in a
    /// sweep this connection's share in order (`nil` once its share is done).
    private func requestIndex(_ sequence: Int) -> Int? {
        guard case .sweep(let connections) = plan.pace else { return Int(random.next() % UInt64(plan.requests.count)) }
        let index = connection + sequence * connections
        return index < plan.requests.count ? index : nil
    }

    private func transmit(_ context: ChannelHandlerContext, due: NIODeadline, index: Int) {
        guard !finished else { return }
        inFlight = (index, due, NIODeadline.now())
        if due >= measureFrom { result.sent += 1 }
        context.writeAndFlush(wrapOutboundOut(plan.requests.requests[index]), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .whole(let head, let body):
            answered(context, head: head, body: body)
        case .head(let head):
            partial = (head, ByteBuffer())
        case .body(var body):
            partial?.body.writeBuffer(&body)
        case .end:
            if let (head, body) = partial {
                partial = nil
                answered(context, head: head, body: body)
            }
        }
    }

    private func answered(_ context: ChannelHandlerContext, head: ResponseHead, body: ByteBuffer) {
        guard let (index, due, sent) = inFlight else { return }
        inFlight = nil
        let now = NIODeadline.now()
        let verdict = verify(head: head, body: body, index: index)
        if due >= measureFrom {
            if let verdict {
                result.errors += 1
                result.errorKinds[verdict, default: 0] += 1
            } else {
                result.ok += 1
                let microseconds = UInt64(max(0, (now - due).nanoseconds / 1000))
                _ = result.latencies.record(microseconds)
                _ = result.responseTimes.record(UInt64(max(0, (now - sent).nanoseconds / 1000)))
                let second = Int((due - measureFrom).nanoseconds / 1_000_000_000)
                if second >= result.timeline.count {
                    result.timeline += Array(repeating: LoopResult.Second(), count: second + 1 - result.timeline.count)
                }
                result.timeline[second].answers += 1
                result.timeline[second].maxMicroseconds = max(result.timeline[second].maxMicroseconds, microseconds)
            }
        }
        if verdict == nil { unreported.ok += 1 } else { unreported.errors += 1 }
        if unreported.ok + unreported.errors >= 64 { report() }
        if !head.keepAlive {
            context.close(promise: nil)
            return
        }
        sendNext(context)
    }

    /// `nil` when the answer is right, otherwise the kind of error.
    private func verify(head: ResponseHead, body: ByteBuffer, index: Int) -> String? {
        guard head.status == plan.expect.status else { return "status \(head.status)" }
        let expected = plan.requests.expected[index]
        let found = body.withUnsafeReadableBytes { body -> Bool in
            for needle in plan.expect.contains where !needle.withUnsafeBytes({ ByteSearch.contains($0, in: body) }) {
                return false
            }
            return expected.withUnsafeReadableBytes { ByteSearch.contains($0, in: body) }
        }
        return found ? nil : "body"
    }

    private func report() {
        plan.progress.add(ok: unreported.ok, errors: unreported.errors)
        unreported = (0, 0)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        report()
        promise.succeed(result)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            if let (_, due, _) = inFlight, due >= measureFrom {
                let kind = NIODeadline.now() >= end + RequestLoop.grace ? "unanswered" : "closed"
                result.errors += 1
                result.errorKinds[kind, default: 0] += 1
                unreported.errors += 1
            }
            inFlight = nil
            // Fixed rate: requests due in the window that never went out are errors
            // too, or a server that stopped answering would look merely quiet.
            if case .fixedRate = plan.pace {
                while true {
                    let due = nextDue()
                    guard due < end else { break }
                    sequence += 1
                    if due >= measureFrom {
                        result.sent += 1
                        result.errors += 1
                        result.errorKinds["unanswered", default: 0] += 1
                    }
                }
            }
            finish()
        }
        context.fireChannelInactive()
    }
}

/// A small, fast pseudo-random generator (SplitMix64): which sample code to check
/// next need not be cryptographic, only cheap and spread evenly.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
