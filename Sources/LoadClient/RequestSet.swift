import NIOCore

/// The requests a ``RequestLoop`` picks from at random, encoded once before the run:
/// sending one is handing a slice of one shared buffer to the socket, with no
/// formatting, no string and no copy per request.
///
/// Each request carries the bytes its response body must contain (for a code check:
/// the code's own serial as JSON), so a server answering the wrong code is caught.
public struct RequestSet: Sendable {
    let requests: [ByteBuffer]
    let expected: [ByteBuffer]

    public var count: Int { requests.count }

    /// Collects `GET` requests for one server.
    public struct Builder {
        private let authority: String
        private var bytes = ByteBuffer()
        private var needles = ByteBuffer()
        private var spans: [(request: Range<Int>, needle: Range<Int>)] = []

        /// Requests to `host:port` (the `Host` header).
        public init(host: String, port: Int) {
            authority = "\(host):\(port)"
        }

        /// Adds `GET target` whose response must contain `mustContain`.
        public mutating func add(target: String, mustContain: [UInt8]) {
            let start = bytes.writerIndex
            bytes.writeString("GET \(target) HTTP/1.1\r\nHost: \(authority)\r\n\r\n")
            let needleStart = needles.writerIndex
            needles.writeBytes(mustContain)
            spans.append((start..<bytes.writerIndex, needleStart..<needles.writerIndex))
        }

        public func build() -> RequestSet {
            RequestSet(
                requests: spans.map { bytes.getSlice(at: $0.request.lowerBound, length: $0.request.count)! },
                expected: spans.map { needles.getSlice(at: $0.needle.lowerBound, length: $0.needle.count)! })
        }
    }
}

/// What every response of a loop must be: its status, and byte strings its body must
/// contain (for a code check, `"known":true`, `"genuine":true` and the GTIN). Anything
/// else is an error, never throughput.
public struct ResponseExpectation: Sendable {
    public var status: Int
    public var contains: [[UInt8]]

    public init(status: Int, contains: [[UInt8]]) {
        self.status = status
        self.contains = contains
    }
}
