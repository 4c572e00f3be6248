import NIOCore

/// The status line and the framing headers of a response: all a load generator needs
/// to find where the response ends and whether the connection stays open.
public struct ResponseHead: Sendable, Equatable {
    public var status: Int
    /// `Content-Length`, when the response has one.
    public var contentLength: Int?
    /// `Transfer-Encoding: chunked`.
    public var chunked: Bool
    /// Whether the server keeps the connection open after this response.
    public var keepAlive: Bool
}

/// One piece of a response as ``ResponseDecoder`` hands it on.
enum ResponsePart {
    /// A response whose whole body (by `Content-Length`) was small enough to wait for:
    /// one part instead of three, which is what keeps the check loop cheap.
    case whole(ResponseHead, ByteBuffer)
    case head(ResponseHead)
    /// A slice of the body, as it arrived (chunk framing removed).
    case body(ByteBuffer)
    case end
}

/// An incremental HTTP/1.1 response parser that reads only what framing needs: the
/// status, `Content-Length`, `Transfer-Encoding` and `Connection`. Header values are
/// never turned into strings and body bytes are handed on as slices of the bytes
/// received, so a response costs a few scans over its head and no allocation beyond
/// NIO's own buffers. NIOHTTP1's decoder builds a header dictionary of strings per
/// response, which at 20,000 responses a second on a machine shared with the server
/// is CPU the server would not get.
struct ResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = ResponsePart

    /// Bodies up to this size with a `Content-Length` are delivered whole.
    static let wholeBodyLimit = 64 * 1024
    /// A head larger than this is refused as malformed.
    static let maximumHeadBytes = 64 * 1024
    /// A chunk-size or trailer line longer than this is refused as malformed.
    static let maximumLineBytes = 4 * 1024

    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.head

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch state {
        case .head:
            guard let headLength = Self.headLength(buffer) else {
                if buffer.readableBytes > Self.maximumHeadBytes { throw Self.malformed("response head over \(Self.maximumHeadBytes) bytes") }
                return .needMoreData
            }
            let head = try Self.parseHead(buffer, length: headLength)
            if (100..<200).contains(head.status) {
                buffer.moveReaderIndex(forwardBy: headLength)
                return .continue
            }
            if head.status == 204 || head.status == 304 {
                buffer.moveReaderIndex(forwardBy: headLength)
                context.fireChannelRead(wrapInboundOut(.whole(head, ByteBuffer())))
                return .continue
            }
            if !head.chunked, let length = head.contentLength, length <= Self.wholeBodyLimit {
                guard buffer.readableBytes >= headLength + length else { return .needMoreData }
                buffer.moveReaderIndex(forwardBy: headLength)
                let body = buffer.readSlice(length: length)!
                context.fireChannelRead(wrapInboundOut(.whole(head, body)))
                return .continue
            }
            buffer.moveReaderIndex(forwardBy: headLength)
            context.fireChannelRead(wrapInboundOut(.head(head)))
            if head.chunked {
                state = .chunkSize
            } else if let length = head.contentLength {
                state = .fixed(remaining: length)
            } else {
                state = .untilClose
            }
            return .continue

        case .fixed(let remaining):
            guard buffer.readableBytes > 0 else { return .needMoreData }
            let count = min(remaining, buffer.readableBytes)
            context.fireChannelRead(wrapInboundOut(.body(buffer.readSlice(length: count)!)))
            if count == remaining {
                state = .head
                context.fireChannelRead(wrapInboundOut(.end))
            } else {
                state = .fixed(remaining: remaining - count)
            }
            return .continue

        case .chunkSize:
            guard let line = try Self.line(&buffer) else { return .needMoreData }
            let size = try Self.chunkSize(line)
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return .continue

        case .chunkData(let remaining):
            guard buffer.readableBytes > 0 else { return .needMoreData }
            let count = min(remaining, buffer.readableBytes)
            context.fireChannelRead(wrapInboundOut(.body(buffer.readSlice(length: count)!)))
            state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            return .continue

        case .chunkDataEnd:
            guard buffer.readableBytes >= 2 else { return .needMoreData }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw Self.malformed("chunk not followed by CRLF") }
            state = .chunkSize
            return .continue

        case .trailers:
            guard let line = try Self.line(&buffer) else { return .needMoreData }
            if line.readableBytes == 0 {
                state = .head
                context.fireChannelRead(wrapInboundOut(.end))
            }
            return .continue

        case .untilClose:
            guard buffer.readableBytes > 0 else { return .needMoreData }
            context.fireChannelRead(wrapInboundOut(.body(buffer.readSlice(length: buffer.readableBytes)!)))
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        if case .untilClose = state {
            if buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(.body(buffer.readSlice(length: buffer.readableBytes)!)))
            }
            state = .head
            context.fireChannelRead(wrapInboundOut(.end))
            return .needMoreData
        }
        return try decode(context: context, buffer: &buffer)
    }

    // MARK: Scanning

    private static let headTerminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
    private static let lineTerminator: [UInt8] = [0x0D, 0x0A]

    static func malformed(_ message: String) -> LoadClientError {
        LoadClientError(.malformedResponse, message)
    }

    /// The length of the head including its blank line, `nil` while incomplete.
    static func headLength(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            headTerminator.withUnsafeBytes { ByteSearch.firstOffset(of: $0, in: bytes) }.map { $0 + 4 }
        }
    }

    /// Reads the status and the framing headers of a complete head of `length` bytes.
    static func parseHead(_ buffer: ByteBuffer, length: Int) throws(LoadClientError) -> ResponseHead {
        let parsed = buffer.withUnsafeReadableBytes { all -> ResponseHead? in
            let bytes = UnsafeRawBufferPointer(rebasing: all[0..<length])
            // "HTTP/1.x SSS"
            guard bytes.count >= 12, bytes[0] == UInt8(ascii: "H"), bytes[4] == UInt8(ascii: "/"), bytes[8] == 0x20 else { return nil }
            var status = 0
            for index in 9..<12 {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                status = status * 10 + Int(digit)
            }
            var head = ResponseHead(status: status, contentLength: nil, chunked: false, keepAlive: bytes[7] == UInt8(ascii: "1"))
            var lineStart = 0
            while lineStart < bytes.count, bytes[lineStart] != 0x0A { lineStart += 1 }
            lineStart += 1
            while lineStart < bytes.count - 2 {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 0x0D { lineEnd += 1 }
                Self.header(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]), into: &head)
                lineStart = lineEnd + 2
            }
            return head
        }
        guard let parsed else { throw malformed("not an HTTP/1.x status line") }
        return parsed
    }

    /// Applies one header line to `head` when it is one of the framing headers.
    private static func header(_ line: UnsafeRawBufferPointer, into head: inout ResponseHead) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        var valueStart = colon + 1
        while valueStart < line.count, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        if equalsIgnoringCase(name, "content-length") {
            var length = 0
            for byte in value {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                length = length * 10 + Int(digit)
            }
            head.contentLength = length
        } else if equalsIgnoringCase(name, "transfer-encoding") {
            head.chunked = endsWithIgnoringCase(value, "chunked")
        } else if equalsIgnoringCase(name, "connection") {
            if equalsIgnoringCase(value, "close") { head.keepAlive = false }
            if equalsIgnoringCase(value, "keep-alive") { head.keepAlive = true }
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let expected = lower.utf8Start
        for index in 0..<bytes.count where lowercased(bytes[index]) != expected[index] { return false }
        return true
    }

    private static func endsWithIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let count = lower.utf8CodeUnitCount
        guard end >= count else { return false }
        return equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[(end - count)..<end]), lower)
    }

    /// Reads one CRLF-terminated line (without the CRLF), `nil` while incomplete.
    private static func line(_ buffer: inout ByteBuffer) throws(LoadClientError) -> ByteBuffer? {
        let end = buffer.withUnsafeReadableBytes { bytes -> Int? in
            lineTerminator.withUnsafeBytes { ByteSearch.firstOffset(of: $0, in: bytes) }
        }
        guard let end else {
            if buffer.readableBytes > maximumLineBytes { throw malformed("chunk line over \(maximumLineBytes) bytes") }
            return nil
        }
        let line = buffer.readSlice(length: end)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The size of a chunk-size line (hex digits, then optional extensions).
    private static func chunkSize(_ line: ByteBuffer) throws(LoadClientError) -> Int {
        var size = 0
        var digits = 0
        for byte in line.readableBytesView {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            default: value = -1
            }
            if value < 0 { break }
            guard digits < 15 else { throw malformed("chunk size too large") }
            size = size * 16 + value
            digits += 1
        }
        guard digits > 0 else { throw malformed("chunk size missing") }
        return size
    }
}
