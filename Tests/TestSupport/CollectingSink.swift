import Emitter
import Synchronization

/// A code sink that keeps every block an emission or a download hands over, so a test
/// can read back the codes as printed (one per line) without a file or a response.
public final class CollectingSink: CodeSink {
    private let blocks = Mutex<[UInt8]>([])

    /// An empty sink.
    public init() {}

    /// Keeps `block` after those already handed over.
    public func consume(_ block: [UInt8]) throws { blocks.withLock { $0 += block } }

    /// The lines handed over so far, without their line breaks.
    public var lines: [String] {
        blocks.withLock { bytes in
            bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
