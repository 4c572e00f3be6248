import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers whatever goes wrong while a request is being read with a 4xx problem, never
/// a 500, and bounds the total time a request body may take.
///
/// Errors of the HTTP/1.1 parser (a bad request line, headers over the limits, a chunk
/// size that is not hexadecimal, two `Content-Length`s, `Content-Length` beside
/// `Transfer-Encoding: chunked`, a body cut off by the end of the connection, garbage
/// after a request) reach the handlers as `errorCaught`. Left alone, one met while a
/// route reads its body escaped from the route as an unknown error (`500
/// internal.error`), and one met between requests got Hummingbird's bare `400` with no
/// problem document. Here the request being read is answered with the problem
/// (`400 request.malformed_http`, `431 request.headers_too_large`): the error goes on
/// as that ``Problem`` to the route reading the body, whose read throws it, and the
/// route's answer, unless it had begun before the failure, is replaced by the problem
/// (a GET route that ignores its body answers without seeing the failure). An error
/// between requests is answered after the answers still due. `Connection: close`
/// either way.
///
/// Either way nothing more is read from the connection: after a framing error the
/// next byte's place in the stream is unknown.
///
/// The body deadline counts from the request head: a body still arriving
/// ``listTimeout`` (code lists, `text/plain` and `application/x-ndjson`) or
/// ``bodyTimeout`` (everything else) after it is failed the same way with `408
/// request.body_timeout`. The idle timeout alone let a client hold a connection and
/// its buffers for ever by sending a byte just often enough. The deadline is only
/// scheduled once a body part arrives, so bodiless requests (public checks) cost
/// nothing here.
///
/// First of the added handlers, so that it sees the request parts in the order the
/// parser made them and writes behind every answer.
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The longest a body other than a code list may take to arrive.
    let bodyTimeout: TimeAmount
    /// The longest a code list may take to arrive.
    let listTimeout: TimeAmount
    private let serverName: String

    /// The head of the request being read or last read.
    private var head: HTTPRequest?
    private var headArrived = NIODeadline.uptimeNanoseconds(0)
    /// A request whose head has arrived and whose end has not.
    private var reading = false
    /// Requests whose head has arrived and whose answer has not ended.
    private var unanswered = 0
    /// Set once reading failed: nothing more is read, the connection closes.
    private var failed = false
    /// A problem to write once the answers in flight have ended.
    private var pending: Problem?
    /// An answer (head written, end not yet) is being written.
    private var answering = false
    /// The answer of the request whose reading failed is dropped for ``pending``.
    private var replacing = false
    private var deadline: Scheduled<Void>?

    init(bodyTimeout: TimeAmount = .seconds(60), listTimeout: TimeAmount, serverName: String) {
        self.bodyTimeout = bodyTimeout
        self.listTimeout = listTimeout
        self.serverName = serverName
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            headArrived = context.eventLoop.now
            unanswered += 1
            reading = true
        case .body:
            if deadline == nil, reading { scheduleDeadline(context) }
        case .end:
            reading = false
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        fail(context, Self.problem(for: parserError))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if case .head(let response) = part, response.status.kind == .informational {
            context.write(data, promise: promise)
            return
        }
        if replacing, unanswered == 1 {
            // The failed request's own answer, made by a route that never saw the
            // failure (a GET that ignores its body): the problem takes its place.
            promise?.succeed()
            if case .end = part {
                unanswered = 0
                replacing = false
                writePending(context)
            }
            return
        }
        guard case .end = part else {
            if case .head = part { answering = true }
            context.write(data, promise: promise)
            return
        }
        answering = false
        unanswered = max(0, unanswered - 1)
        guard failed, unanswered == 0 else {
            context.write(data, promise: promise)
            return
        }
        // The last answer due has ended: write the problem waiting for it, or close.
        context.write(data, promise: promise)
        writePending(context)
    }

    /// Stops reading and answers `problem`, in place of the answer of the request being
    /// read, or after the answers due, then closes the connection.
    private func fail(_ context: ChannelHandlerContext, _ problem: Problem) {
        guard !failed else { return }
        failed = true
        deadline?.cancel()
        deadline = nil
        if unanswered == 0 {
            pending = problem
            writePending(context)
            return
        }
        if reading {
            // A route is reading (or is about to read) this body: its read throws, so
            // it stops waiting for bytes that will not be read.
            context.fireErrorCaught(problem)
            // An answer already begun is let finish, then the connection closes;
            // otherwise the problem takes the place of the route's answer.
            let answerBegun = unanswered == 1 && answering
            guard !answerBegun else { return }
            replacing = true
        }
        pending = problem
    }

    /// Writes the problem waiting, if any, then closes the connection.
    private func writePending(_ context: ChannelHandlerContext) {
        if let pending {
            self.pending = nil
            pending.write(through: self, context: context, language: language, serverName: serverName, close: true)
        } else {
            context.flush()
            context.close(promise: nil)
        }
    }

    private func scheduleDeadline(_ context: ChannelHandlerContext) {
        let limit = Self.isCodeList(head) ? listTimeout : bodyTimeout
        deadline = context.eventLoop.assumeIsolated().scheduleTask(deadline: headArrived + limit) { [self] in
            deadline = nil
            guard reading else { return }
            let problem = Problem(.request.bodyTimeout, detail: "the body must arrive within \(limit.nanoseconds / 1_000_000_000) s of the request head")
            fail(context, problem)
        }
    }

    /// The language of the request's `Accept-Language`, or the fallback before any head.
    private var language: Language {
        Language(acceptLanguage: head?.headerFields[.acceptLanguage])
    }

    /// A streamed code list: the bodies that may take ``listTimeout``.
    static func isCodeList(_ head: HTTPRequest?) -> Bool {
        guard let type = head?.headerFields[.contentType]?.lowercased() else { return false }
        return type.hasPrefix("text/plain") || type.hasPrefix("application/x-ndjson")
    }

    /// The problem answering a parser error.
    static func problem(for error: HTTPParserError) -> Problem {
        switch error {
        case .headerOverflow:
            Problem(.request.headersTooLarge)
        default:
            Problem(.request.malformedHTTP, detail: "the request cannot be read as HTTP/1.1: \(error)")
        }
    }
}
