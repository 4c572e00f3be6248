import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// Issues marking codes: reserves counter ranges, generates serials on sharded Dispatch
/// queues and writes the code records in batches.
///
/// Uniqueness is by construction. Each GTIN and serial length has one counter; an
/// order first moves that counter past its range with a synced write, and only then
/// produces codes, so a range is never handed out twice, even if the process dies
/// midway. Serials are the counters mapped through a keyed bijection, so distinct
/// counters are distinct serials without reading anything back.
public final class Emitter: Sendable {
    /// The largest order accepted: two days of the national quota. Larger runs are
    /// several orders, each durable on its own.
    public static let maximumQuantity = 100_000_000
    /// Codes per write batch and per output block.
    static let chunkSize = EmissionRange.chunkSize

    public let store: MarkingStore
    /// The number of shard queues an order is split across.
    public let shardCount: Int
    let queues: [DispatchQueue]
    /// Writes records; one per emitter, see ``EmissionRange``.
    private let writerQueue = DispatchQueue(label: "marking.emitter.writer", qos: .userInitiated)
    /// The most records an order writes on ``writerQueue`` at a time (see ``run``).
    let writeSlice: Int

    /// The default ``writeSlice``: a few tenths of a second of writing.
    public static let defaultWriteSlice = 262_144

    /// The replica this emitter runs on ("" on a single node).
    public let node: String

    /// - Parameters:
    ///   - shards: queues per order; one per core by default.
    ///   - node: the replica, in a cluster: its orders name it, and only its own are
    ///     marked `INTERRUPTED` at start.
    ///   - writeSlice: the most records an order writes before another order's may.
    public init(store: MarkingStore, shards: Int? = nil, node: String = "", writeSlice: Int = Emitter.defaultWriteSlice) throws(MarkingError) {
        self.node = node
        self.writeSlice = max(1, writeSlice)
        self.store = store
        let count = max(1, shards ?? ProcessInfo.processInfo.activeProcessorCount)
        shardCount = count
        queues = (0..<count).map { DispatchQueue(label: "marking.emitter.shard-\($0)", qos: .userInitiated) }
        try markInterruptedOrders()
    }

    // MARK: Emission

    /// Emits the codes of `request`: reserves the range, writes every record, makes
    /// them durable, and only then marks the order completed and returns it. With a
    /// `sink`, the codes are also generated and handed over in `format`.
    public func emit(
        _ request: EmissionRequest, format: CodeListFormat = .text, sink: (any CodeSink)? = nil,
        progress: EmissionProgress? = nil
    ) throws(MarkingError) -> EmissionOrder {
        let (order, isNew) = try reserveOrFind(request)
        guard isNew else { return order }
        return try complete(order, format: format, sink: sink, progress: progress)
    }

    /// Step two of an emission: writes every record of a reserved order, makes them
    /// durable, marks the order completed and returns it.
    public func complete(
        _ reserved: EmissionOrder, format: CodeListFormat = .text, sink: (any CodeSink)? = nil, progress: EmissionProgress? = nil
    ) throws(MarkingError) -> EmissionOrder {
        var order = reserved
        try run(order, persist: true, format: format, sink: sink, progress: progress)
        order.state = .completed
        order.completedAt = MarkingStore.now()
        try save(order)
        return order
    }

    /// Step one of an emission, public so that a crash right after it can be tested:
    /// validates the request and durably reserves its counter range.
    public func reserve(_ request: EmissionRequest) throws(MarkingError) -> EmissionOrder {
        try reserveOrFind(request).order
    }

    /// ``reserve(_:)``, or, for a request whose ``EmissionRequest/number`` the
    /// producer has used already, that order (`isNew` false) in whatever state it is:
    /// a retry never reserves a second range. `order.number_reused` when that order
    /// was placed with a different request.
    public func reserveOrFind(_ request: EmissionRequest) throws(MarkingError) -> (order: EmissionOrder, isNew: Bool) {
        guard request.quantity >= 1, request.quantity <= Self.maximumQuantity else {
            throw MarkingError(
                .invalidQuantity,
                "quantity \(request.quantity) is out of range: an order holds 1 to \(Self.maximumQuantity) codes")
        }
        guard store.catalog.withID(request.template.id) == request.template else {
            throw MarkingError(.unknownTemplate, "template '\(request.template.name)' is not in this engine's catalog")
        }
        let length = request.template.serialLength
        let permutation = store.permutation(gtin: request.gtin, serialLength: length)
        return try store.committer.commit { changeset throws(MarkingError) -> (order: EmissionOrder, isNew: Bool) in
            if let existing = try existingOrder(for: request) { return (existing, false) }
            let counter = try store.counter(gtin: request.gtin, serialLength: length)
            let start = counter.next
            var end = start + UInt64(request.quantity)
            var skipped: [UInt64] = []
            if counter.hasSelfMade {
                var scanned = start
                while scanned < end {
                    let taken = try store.storedCounters(gtin: request.gtin, serialLength: length, from: scanned, to: end)
                    skipped += taken
                    scanned = end
                    end += UInt64(taken.count)
                }
            }
            guard end <= permutation.counterLimit, end >= start else {
                throw MarkingError(
                    .serialSpaceExhausted,
                    "GTIN \(request.gtin) has \(permutation.counterLimit - min(start, permutation.counterLimit)) serials of \(length) characters left, fewer than the \(request.quantity) ordered")
            }
            let order = EmissionOrder(
                id: try store.nextID(.order, in: &changeset), gtin: request.gtin.value, templateID: request.template.id,
                serialLength: length, quantity: request.quantity, producer: request.producer,
                keyID: store.keys.activeKeyID, rangeStart: start, rangeEnd: end, skipped: skipped,
                selfMade: false, state: .inProgress, createdAt: MarkingStore.now(), completedAt: nil,
                node: node.isEmpty ? nil : node, number: request.number, fingerprint: request.fingerprint)
            changeset.putCounter(EmissionCounter(next: end, hasSelfMade: counter.hasSelfMade), gtin: request.gtin, serialLength: length)
            changeset.putOrder(order.id, try encode(order))
            if let number = request.number { changeset.putOrderNumber(number, of: request.producer, id: order.id) }
            changeset.emit(order.range)
            return (order, true)
        }.value
    }

    /// Regenerates the codes of a stored order, in `format`, into `sink`. Nothing is
    /// written to the store; memory stays flat whatever the order's size.
    public func download(
        _ order: EmissionOrder, format: CodeListFormat, sink: any CodeSink, progress: EmissionProgress? = nil
    ) throws(MarkingError) {
        guard !order.selfMade else {
            try downloadSelfMade(order, format: format, sink: sink)
            return
        }
        try run(order, persist: false, format: format, sink: sink, progress: progress)
    }

    /// Splits the order's range into one contiguous part per shard and runs them on
    /// the shard queues, waiting for all of them.
    private func run(
        _ order: EmissionOrder, persist: Bool, format: CodeListFormat, sink: (any CodeSink)?,
        progress: EmissionProgress?
    ) throws(MarkingError) {
        guard let template = store.catalog.withID(order.templateID) else {
            throw MarkingError(.unknownTemplate, "order \(order.id) uses template \(order.templateID), which this engine does not know")
        }
        guard let signer = store.signer.keyed(order.keyID) else {
            throw MarkingError(.unknownKey, "order \(order.id) was signed with key \(order.keyID), which the key file no longer holds")
        }
        progress?.start(total: order.quantity, writing: persist, generating: sink != nil)
        if let sink, !format.header.isEmpty {
            do { try sink.consume(format.header) } catch { throw MarkingError(.store, "cannot write codes: \(error)") }
        }
        let failures = Mutex<[any Error]>([])
        let group = DispatchGroup()
        func dispatch(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> Void) {
            queue.async(group: group) {
                do { try work() } catch { failures.withLock { $0.append(error) } }
            }
        }
        let gtin = order.gtinValue
        // Codes written and handed out at once are handed out only once their records
        // are synced: an output cut short by a crash holds no code the store lost.
        let durable = persist && sink != nil ? DurableFrontier(start: order.rangeStart) : nil
        if let sink {
            let generator = CodeGenerator(
                permutation: store.permutation(gtin: gtin, serialLength: order.serialLength), signer: signer,
                template: template, gtin: gtin, skipped: Set(order.skipped), format: format, sink: sink,
                progress: progress, durable: durable)
            let total = order.rangeEnd - order.rangeStart
            let shards = UInt64(min(shardCount, max(1, Int(total / UInt64(Self.chunkSize)))))
            if durable != nil {
                // Shards take the writer's chunks in turn (shard s: chunks s, s + shards,
                // ...), so each waits only for the chunk the writer has just passed; with
                // one contiguous part each, the second would idle until the writer
                // reached the middle of the range.
                let chunk = UInt64(Self.chunkSize), start = order.rangeStart, end = order.rangeEnd
                let chunks = (total + chunk - 1) / chunk
                for shard in 0..<shards {
                    dispatch(on: queues[Int(shard)]) {
                        for index in stride(from: shard, to: chunks, by: Int(shards)) {
                            let from = start + index * chunk
                            try generator.run(from: from, to: min(end, from + chunk))
                        }
                    }
                }
            } else {
                for shard in 0..<shards {
                    let from = order.rangeStart + total * shard / shards
                    let to = order.rangeStart + total * (shard + 1) / shards
                    dispatch(on: queues[Int(shard)]) { try generator.run(from: from, to: to) }
                }
            }
        }
        if persist {
            // Slice by slice, from this thread, while the shards generate: a small order
            // queued meanwhile writes between two slices of a large one instead of
            // waiting for all of it.
            let committer = store.committer
            do {
                for slice in order.range.slices(of: writeSlice) {
                    try writerQueue.sync {
                        try committer.materialize(slice, progress: { progress?.addWritten($0) }, durable: durable)
                    }
                }
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        group.wait()
        if let failure = failures.withLock({ $0.first }) {
            if let failure = failure as? MarkingError { throw failure }
            throw MarkingError(.store, "\(failure)")
        }
    }

    // MARK: Self-made serials

    /// Registers serials the producer made itself. Refused as a whole when any serial
    /// is malformed, repeated, already stored, or inside a range the operator has
    /// reserved; otherwise stored at once, durably, and kept out of future ranges.
    public func registerSelfMade(_ serials: [String], request: EmissionRequest) throws(MarkingError) -> EmissionOrder {
        guard !serials.isEmpty, serials.count <= Self.maximumSelfMade else {
            throw MarkingError(.invalidQuantity, "a self-made order holds 1 to \(Self.maximumSelfMade) serials, got \(serials.count)")
        }
        let template = request.template
        let length = template.serialLength
        var parsed: [Serial] = []
        var seen = Set<[UInt8]>()
        for (index, text) in serials.enumerated() {
            let serial: Serial
            do {
                serial = try Serial(text)
            } catch {
                throw MarkingError(.invalidSerial, "serial \(index + 1) ('\(text)'): \(error.message)")
            }
            guard serial.bytes.count == length else {
                throw MarkingError(.invalidSerial, "serial \(index + 1) ('\(text)') has \(serial.bytes.count) characters; template \(template.name) needs \(length)")
            }
            guard seen.insert(serial.bytes).inserted else {
                throw MarkingError(.invalidSerial, "serial '\(text)' appears twice in the order")
            }
            parsed.append(serial)
        }
        let permutation = store.permutation(gtin: request.gtin, serialLength: length)
        return try store.committer.commit { changeset throws(MarkingError) -> EmissionOrder in
            if let existing = try existingOrder(for: request) { return existing }
            let counter = try store.counter(gtin: request.gtin, serialLength: length)
            var refs: [CodeRef] = []
            refs.reserveCapacity(parsed.count)
            for serial in parsed {
                let preimage = permutation.preimage(of: serial)!
                if preimage < UInt128(counter.next) {
                    throw MarkingError(.serialTaken, "serial '\(serial)' of GTIN \(request.gtin) is taken: it belongs to a range the operator has already issued")
                }
                refs.append(CodeRef(gtin: request.gtin, serialLength: length, preimage: preimage))
            }
            let exists = try store.codesExist(refs)
            let taken = exists.indices.filter { exists[$0] }
            if let first = taken.first {
                let more = taken.count > 1 ? " (and \(taken.count - 1) more)" : ""
                throw MarkingError(.serialTaken, "serial '\(parsed[first])' of GTIN \(request.gtin) is taken\(more)")
            }
            let order = EmissionOrder(
                id: try store.nextID(.order, in: &changeset), gtin: request.gtin.value, templateID: template.id,
                serialLength: length, quantity: parsed.count, producer: request.producer,
                keyID: store.keys.activeKeyID, rangeStart: 0, rangeEnd: 0, skipped: [], selfMade: true,
                state: .completed, createdAt: MarkingStore.now(), completedAt: MarkingStore.now(), number: request.number,
                fingerprint: request.fingerprint)
            let record = CodeRecord(
                status: .emitted, flags: .selfMade, templateID: template.id, keyID: order.keyID,
                owner: request.producer, producer: request.producer, order: order.id, emittedAt: order.createdAt)
            for ref in refs { changeset.putCode(ref, record, replacing: nil) }
            changeset.putCounter(EmissionCounter(next: counter.next, hasSelfMade: true), gtin: request.gtin, serialLength: length)
            changeset.putOrder(order.id, try encode(order))
            if let number = request.number { changeset.putOrderNumber(number, of: request.producer, id: order.id) }
            return order
        }.value
    }

    /// The most serials one self-made order may carry.
    public static let maximumSelfMade = 1_000_000

    func downloadSelfMade(_ order: EmissionOrder, format: CodeListFormat, sink: any CodeSink) throws(MarkingError) {
        let gtin = order.gtinValue
        let permutation = store.permutation(gtin: gtin, serialLength: order.serialLength)
        guard let template = store.catalog.withID(order.templateID), let signer = store.signer.keyed(order.keyID) else {
            throw MarkingError(.unknownKey, "order \(order.id) cannot be regenerated with this key file and catalog")
        }
        var block: [UInt8] = []
        do {
            try sink.consume(format.header)
        } catch {
            throw MarkingError(.store, "cannot write codes: \(error)")
        }
        try store.forEachCode(gtin: gtin, serialLength: order.serialLength) { ref, record in
            guard record.order == order.id else { return }
            let serial = permutation.serial(preimage: ref.preimage)
            let cis = CIS(gtin: gtin, serial: serial)
            let code = MarkingCode(
                cis: cis, keyID: template.tail == .keyIdAndMAC ? order.keyID : nil,
                tail: signer.tail(for: cis, kind: template.tail), tailKind: template.tail)
            Array(code.formatted().utf8).withUnsafeBufferPointer { format.append(code: $0, to: &block) }
        }
        do {
            if !block.isEmpty { try sink.consume(block) }
        } catch {
            throw MarkingError(.store, "cannot write codes: \(error)")
        }
    }

    // MARK: Orders

    /// The order the producer placed under `request`'s number, if any; thrown
    /// `order.number_reused` when it was placed with a different request (another
    /// fingerprint). Read inside the commit that would place the order, so two
    /// retries arriving together cannot both place one.
    public func existingOrder(for request: EmissionRequest) throws(MarkingError) -> EmissionOrder? {
        guard let number = request.number, let id = try store.orderID(producer: request.producer, number: number),
              let order = try order(id)
        else { return nil }
        guard order.fingerprint == request.fingerprint else {
            throw MarkingError(
                .orderNumberReused,
                "order number \(number) was used for order \(id), placed with a different request; a retry must send the same order",
                field: .init("number", .orderNumberReused))
        }
        return order
    }

    /// The stored order `id`, or `nil`.
    public func order(_ id: UInt64) throws(MarkingError) -> EmissionOrder? {
        guard let bytes = try store.order(id) else { return nil }
        do {
            return try JSONDecoder().decode(EmissionOrder.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "order \(id) is unreadable")
        }
    }

    /// Marks orders left `IN_PROGRESS` by a crash as `INTERRUPTED`; their ranges stay
    /// spent. Runs when an emitter opens a store, before it takes any order.
    private func markInterruptedOrders() throws(MarkingError) {
        var interrupted: [EmissionOrder] = []
        try store.forEachOrder { bytes in
            if let order = try? JSONDecoder().decode(EmissionOrder.self, from: Data(bytes)), order.state == .inProgress,
               (order.node ?? "") == node
            {
                interrupted.append(order)
            }
        }
        for var order in interrupted {
            // In a cluster every other replica derived the whole range from the log;
            // this one was stopped midway: it writes the rest, so the copies agree.
            if !node.isEmpty { try store.committer.materialize(order.range) }
            order.state = .interrupted
            try save(order)
        }
    }

    private func save(_ order: EmissionOrder) throws(MarkingError) {
        _ = try store.committer.commit { changeset throws(MarkingError) in changeset.putOrder(order.id, try encode(order)) }
    }

    private func encode(_ order: EmissionOrder) throws(MarkingError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(order))
        } catch {
            throw MarkingError(.store, "cannot encode order \(order.id)")
        }
    }

    /// The next counter that an order for `gtin` would start at (for tests and tools).
    public func nextCounter(gtin: GTIN, serialLength: Int) throws(MarkingError) -> UInt64 {
        try store.counter(gtin: gtin, serialLength: serialLength).next
    }
}
