import NIOCore

/// Recognises, in a connection's first unread bytes, the one shape of request a phone
/// or a till sends to check a code: `GET <target> HTTP/1.1`, a few ordinary headers,
/// no body. ``WireCheckHandler`` answers those before the HTTP codec sees them.
///
/// This is not an HTTP parser and does not try to be one: it answers "this is exactly
/// that shape" or "not for me", and every request that is not exactly that shape,
/// malformed ones included, goes on to NIO's parser (llhttp), which judges it as it
/// always did. So it accepts only what it can judge without doubt:
/// - the method `GET` and the version `HTTP/1.1`, single spaces, CRLF line ends;
/// - a target of RFC 3986 characters only (unreserved, sub-delims, `:@/?%`);
/// - header names from ``allowedNames`` (compared without case) with values of
///   visible ASCII, spaces and tabs; `Connection` only as `keep-alive`;
/// - at most ``maximumHeaders`` headers and ``maximumLength`` bytes in all.
/// A token (`Authorization`), a registry sequence to wait for, a body
/// (`Content-Length`, `Transfer-Encoding`), `Expect`, `Upgrade` or any header it does
/// not know make the request not plain.
struct PlainRequest: Equatable {
    /// The request target's bytes (path and query, as sent).
    var target: Range<Int>
    /// The bytes of the whole request, head and its blank line.
    var length: Int

    /// What the bytes at a buffer's reader index hold.
    enum Scan: Equatable {
        /// A plain request, complete.
        case plain(PlainRequest)
        /// The start of what may be a plain request: wait for more bytes.
        case incomplete
        /// Anything else: the HTTP codec's to judge.
        case notPlain

        /// The plain request's length in bytes, `nil` for the others.
        var length: Int? {
            if case .plain(let request) = self { request.length } else { nil }
        }
    }

    /// Longer heads are never plain: a phone's check is a few hundred bytes.
    static let maximumLength = 4096
    static let maximumHeaders = 16
    /// The headers a plain check may carry, lowercase. None of them changes the answer.
    static let allowedNames: [[UInt8]] = ["host", "user-agent", "accept", "accept-encoding", "accept-language", "connection", "cache-control"]
        .map { Array($0.utf8) }
    private static let connection = Array("connection".utf8)
    private static let keepAlive = Array("keep-alive".utf8)
    private static let requestLineStart = Array("GET ".utf8)
    private static let requestLineEnd = Array(" HTTP/1.1\r\n".utf8)
    private static let lineEnd: [UInt8] = [13, 10]

    /// Scans the readable bytes of `buffer`; offsets are from its reader index.
    static func scan(_ buffer: ByteBuffer) -> Scan {
        // The pointer is used only inside the closure, and `scan` keeps nothing of it.
        buffer.withUnsafeReadableBytes { scan($0) }
    }

    /// Scans `bytes`, of which at most ``maximumLength`` are looked at: a head that
    /// has not ended by then is not plain. The caller
    /// keeps them alive for the call; no pointer outlives it.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        let scan = scanHead(UnsafeRawBufferPointer(rebasing: bytes.prefix(maximumLength)))
        return scan == .incomplete && bytes.count >= maximumLength ? .notPlain : scan
    }

    private static func scanHead(_ bytes: UnsafeRawBufferPointer) -> Scan {
        var reader = Reader(bytes: bytes)
        // A prefix of a plain request waits for the rest; one that has gone wrong does not.
        guard reader.expect(requestLineStart) else { return reader.atEnd ? .incomplete : .notPlain }
        let targetStart = reader.index
        while let byte = reader.peek(), byte != UInt8(ascii: " ") {
            guard targetBytes[Int(byte)] else { return .notPlain }
            reader.index += 1
        }
        let target = targetStart..<reader.index
        guard reader.expect(requestLineEnd) else { return reader.atEnd ? .incomplete : .notPlain }
        guard bytes[target.lowerBound] == UInt8(ascii: "/") else { return .notPlain }
        var headers = 0
        while true {
            if reader.expect(lineEnd) { return .plain(PlainRequest(target: target, length: reader.index)) }
            if reader.atEnd { return .incomplete }
            headers += 1
            guard headers <= maximumHeaders else { return .notPlain }
            let nameStart = reader.index
            while let byte = reader.peek(), byte != UInt8(ascii: ":") {
                guard tokenBytes[Int(byte)] else { return .notPlain }
                reader.index += 1
            }
            if reader.atEnd { return .incomplete }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<reader.index])
            guard let allowed = allowedNames.first(where: { equalIgnoringCase(name, $0) }) else { return .notPlain }
            reader.index += 1
            let valueStart = reader.index
            while let byte = reader.peek(), byte != 13 {
                guard byte == 9 || (0x20...0x7E).contains(byte) else { return .notPlain }
                reader.index += 1
            }
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<reader.index])
            guard reader.expect(lineEnd) else { return reader.atEnd ? .incomplete : .notPlain }
            if allowed == connection, !isKeepAlive(value) { return .notPlain }
        }
    }

    /// RFC 3986 characters: unreserved, sub-delims, `:`, `@`, `/`, `?`, `%`.
    private static let targetBytes = table(extra: "-._~!$&'()*+,;=:@/?%")
    /// RFC 9110 `tchar`.
    private static let tokenBytes = table(extra: "!#$%&'*+-.^_`|~")

    /// A byte table: letters, digits and `extra` are `true`.
    private static func table(extra: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8) + Array(extra.utf8) { table[Int(byte)] = true }
        return table
    }

    /// Whether `bytes`, ASCII letters in any case, are `lowercase`.
    private static func equalIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: [UInt8]) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        for (byte, expected) in zip(bytes, lowercase) where byte | 0x20 != expected { return false }
        return true
    }

    private static func isKeepAlive(_ value: UnsafeRawBufferPointer) -> Bool {
        let trimmed = value.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
        return trimmed.count == keepAlive.count && zip(trimmed, keepAlive).allSatisfy { $0 | 0x20 == $1 }
    }

    /// A cursor over the bytes.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        /// Steps over `expected` when the bytes start with it here; otherwise stays.
        /// `atEnd` then says whether the bytes ran out on a prefix of it.
        mutating func expect(_ expected: [UInt8]) -> Bool {
            var at = index
            for byte in expected {
                guard at < bytes.count else {
                    index = bytes.count
                    return false
                }
                guard bytes[at] == byte else { return false }
                at += 1
            }
            index = at
            return true
        }
    }
}
