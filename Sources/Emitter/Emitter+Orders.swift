import Foundation
import MarkingCore
import Synchronization

extension Emitter {
    /// The newest `limit` orders of `producer`, newest first: the cabinet's list. It
    /// reads every stored order (there is no index by producer); orders are
    /// thousands, each a few hundred bytes, whatever their codes number.
    public func orders(of producer: UInt32, limit: Int) throws(MarkingError) -> [EmissionOrder] {
        var found: [EmissionOrder] = []
        try store.forEachOrder { bytes in
            guard let order = try? JSONDecoder().decode(EmissionOrder.self, from: Data(bytes)), order.producer == producer else { return }
            found.append(order)
            if found.count > limit { found.removeFirst() }
        }
        return found.reversed()
    }

    /// Codes `offset ..< offset + count` of a completed order as element strings, in
    /// the order a download lists them: for a label sheet. Only that stretch of the
    /// order's range is generated.
    public func codes(of order: EmissionOrder, offset: Int, count: Int) throws(MarkingError) -> [String] {
        let sink = CollectedCodes()
        if order.selfMade {
            try download(order, format: .text, sink: sink)
            return Array(sink.lines.dropFirst(offset).prefix(count))
        }
        var part = order
        part.rangeStart = min(order.rangeEnd, order.rangeStart + UInt64(offset))
        part.rangeEnd = min(order.rangeEnd, part.rangeStart + UInt64(count))
        part.skipped = order.skipped.filter { $0 >= part.rangeStart && $0 < part.rangeEnd }
        part.quantity = Int(part.rangeEnd - part.rangeStart) - part.skipped.count
        guard part.quantity > 0 else { return [] }
        // A sheet's stretch is far below one chunk (``EmissionRange/chunkSize``), so
        // one shard generates it, in range order, as a whole download would list it.
        try download(part, format: .text, sink: sink)
        return sink.lines
    }
}

/// A sink keeping the lines of a small download.
private final class CollectedCodes: CodeSink, Sendable {
    // Shards call `consume` from several queues.
    private let bytes = Mutex<[UInt8]>([])

    func consume(_ block: [UInt8]) throws {
        bytes.withLock { $0.append(contentsOf: block) }
    }

    var lines: [String] {
        bytes.withLock { $0.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) } }
    }
}
