import Dispatch
import Foundation
import MarkingCore
import RocksDB
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
    static let chunkSize = 8_192

    public let store: MarkingStore
    /// The number of shard queues an order is split across.
    public let shardCount: Int
    private let queues: [DispatchQueue]
    /// Writes records; one per emitter, see ``RecordWriter``.
    private let writerQueue = DispatchQueue(label: "marking.emitter.writer", qos: .userInitiated)
    /// Serialises counter reservations and self-made registrations, which read a
    /// counter and write it back.
    private let reservation = Mutex<Void>(())

    /// - Parameter shards: queues per order; one per core by default.
    public init(store: MarkingStore, shards: Int? = nil) throws(MarkingError) {
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
        var order = try reserve(request)
        try run(order, persist: true, format: format, sink: sink, progress: progress)
        do {
            try store.database.syncWAL()
        } catch {
            throw MarkingError(.store, "\(error)")
        }
        order.state = .completed
        order.completedAt = MarkingStore.now()
        try save(order)
        return order
    }

    /// Step one of an emission, public so that a crash right after it can be tested:
    /// validates the request and durably reserves its counter range.
    public func reserve(_ request: EmissionRequest) throws(MarkingError) -> EmissionOrder {
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
        return try reservation.withLock { _ throws(MarkingError) -> EmissionOrder in
            let counter = try readCounter(gtin: request.gtin, serialLength: length)
            let start = counter.next
            var end = start + UInt64(request.quantity)
            var skipped: [UInt64] = []
            if counter.hasSelfMade {
                var scanned = start
                while scanned < end {
                    let taken = try takenCounters(gtin: request.gtin, serialLength: length, from: scanned, to: end)
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
                id: try store.nextID("order"), gtin: request.gtin.value, templateID: request.template.id,
                serialLength: length, quantity: request.quantity, producer: request.producer,
                keyID: store.keys.activeKeyID, rangeStart: start, rangeEnd: end, skipped: skipped,
                selfMade: false, state: .inProgress, createdAt: MarkingStore.now(), completedAt: nil)
            let batch = WriteBatch()
            batch.put(counterKey(gtin: request.gtin, serialLength: length), Counter(next: end, hasSelfMade: counter.hasSelfMade).bytes, in: store.families.counters)
            batch.put(EmissionOrder.key(order.id), try encode(order), in: store.families.orders)
            try write(batch, sync: true)
            return order
        }
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
        if persist {
            let record = CodeRecord(
                status: .emitted, templateID: template.id, keyID: order.keyID, owner: order.producer,
                producer: order.producer, order: order.id, emittedAt: order.createdAt)
            let writer = RecordWriter(
                store: store, gtin: gtin, serialLength: order.serialLength, record: record.bytes,
                skipped: Set(order.skipped), progress: progress)
            dispatch(on: writerQueue) { try writer.run(from: order.rangeStart, to: order.rangeEnd) }
        }
        if let sink {
            let generator = CodeGenerator(
                permutation: store.permutation(gtin: gtin, serialLength: order.serialLength), signer: signer,
                template: template, gtin: gtin, skipped: Set(order.skipped), format: format, sink: sink,
                progress: progress)
            let total = order.rangeEnd - order.rangeStart
            let shards = UInt64(min(shardCount, max(1, Int(total / UInt64(Self.chunkSize)))))
            for shard in 0..<shards {
                let from = order.rangeStart + total * shard / shards
                let to = order.rangeStart + total * (shard + 1) / shards
                dispatch(on: queues[Int(shard)]) { try generator.run(from: from, to: to) }
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
        return try reservation.withLock { _ throws(MarkingError) -> EmissionOrder in
            let counter = try readCounter(gtin: request.gtin, serialLength: length)
            var keys = KeyList(capacity: parsed.count, keyLength: CodeKey.length(forSerialLength: length))
            for serial in parsed {
                let preimage = permutation.preimage(of: serial)!
                if preimage < UInt128(counter.next) {
                    throw MarkingError(.serialTaken, "serial '\(serial)' of GTIN \(request.gtin) is taken: it belongs to a range the operator has already issued")
                }
                keys.append(CodeKey.make(gtin: request.gtin, serialLength: length, preimage: preimage))
            }
            var taken: [Int] = []
            do {
                try store.database.multiGet(keys, in: store.families.codes) { index, value in
                    if value != nil { taken.append(index) }
                }
            } catch {
                throw MarkingError(.store, "\(error)")
            }
            if let first = taken.first {
                let more = taken.count > 1 ? " (and \(taken.count - 1) more)" : ""
                throw MarkingError(.serialTaken, "serial '\(parsed[first])' of GTIN \(request.gtin) is taken\(more)")
            }
            let order = EmissionOrder(
                id: try store.nextID("order"), gtin: request.gtin.value, templateID: template.id,
                serialLength: length, quantity: parsed.count, producer: request.producer,
                keyID: store.keys.activeKeyID, rangeStart: 0, rangeEnd: 0, skipped: [], selfMade: true,
                state: .completed, createdAt: MarkingStore.now(), completedAt: MarkingStore.now())
            let record = CodeRecord(
                status: .emitted, flags: .selfMade, templateID: template.id, keyID: order.keyID,
                owner: request.producer, producer: request.producer, order: order.id, emittedAt: order.createdAt
            ).bytes
            let batch = WriteBatch()
            for index in 0..<keys.count { batch.put(Array(keys[index]), record, in: store.families.codes) }
            batch.put(counterKey(gtin: request.gtin, serialLength: length), Counter(next: counter.next, hasSelfMade: true).bytes, in: store.families.counters)
            batch.put(EmissionOrder.key(order.id), try encode(order), in: store.families.orders)
            try write(batch, sync: true)
            return order
        }
    }

    /// The most serials one self-made order may carry.
    public static let maximumSelfMade = 1_000_000

    private func downloadSelfMade(_ order: EmissionOrder, format: CodeListFormat, sink: any CodeSink) throws(MarkingError) {
        let prefix = CodeKey.prefix(gtin: order.gtinValue, serialLength: order.serialLength)
        let permutation = store.permutation(gtin: order.gtinValue, serialLength: order.serialLength)
        guard let template = store.catalog.withID(order.templateID), let signer = store.signer.keyed(order.keyID) else {
            throw MarkingError(.unknownKey, "order \(order.id) cannot be regenerated with this key file and catalog")
        }
        do {
            try sink.consume(format.header)
            let cursor = try Cursor(store.database, family: store.families.codes, from: prefix, to: upperBound(of: prefix))
            var block: [UInt8] = []
            while cursor.isValid {
                let (key, record) = cursor.withEntry { (Array($0), CodeRecord($1)) }
                if let record, record.order == order.id, let parts = CodeKey.decode(key) {
                    let serial = permutation.serial(preimage: parts.preimage)
                    let code = MarkingCode(
                        cis: CIS(gtin: order.gtinValue, serial: serial),
                        keyID: template.tail == .keyIdAndMAC ? order.keyID : nil,
                        tail: signer.tail(for: CIS(gtin: order.gtinValue, serial: serial), kind: template.tail),
                        tailKind: template.tail)
                    Array(code.formatted().utf8).withUnsafeBufferPointer { format.append(code: $0, to: &block) }
                }
                cursor.next()
            }
            try cursor.checkStatus()
            if !block.isEmpty { try sink.consume(block) }
        } catch let error as MarkingError {
            throw error
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    // MARK: Orders

    /// The stored order `id`, or `nil`.
    public func order(_ id: UInt64) throws(MarkingError) -> EmissionOrder? {
        let bytes: [UInt8]?
        do {
            bytes = try store.database.get(EmissionOrder.key(id), in: store.families.orders)
        } catch {
            throw MarkingError(.store, "\(error)")
        }
        guard let bytes else { return nil }
        do {
            return try JSONDecoder().decode(EmissionOrder.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "order \(id) is unreadable")
        }
    }

    /// Marks orders left `IN_PROGRESS` by a crash as `INTERRUPTED`; their ranges stay
    /// spent. Runs when an emitter opens a store, before it takes any order.
    private func markInterruptedOrders() throws(MarkingError) {
        do {
            let cursor = try Cursor(store.database, family: store.families.orders)
            var interrupted: [EmissionOrder] = []
            while cursor.isValid {
                if let order = try? JSONDecoder().decode(EmissionOrder.self, from: Data(cursor.value)), order.state == .inProgress {
                    interrupted.append(order)
                }
                cursor.next()
            }
            try cursor.checkStatus()
            for var order in interrupted {
                order.state = .interrupted
                try save(order)
            }
        } catch let error as MarkingError {
            throw error
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    private func save(_ order: EmissionOrder) throws(MarkingError) {
        let batch = WriteBatch()
        batch.put(EmissionOrder.key(order.id), try encode(order), in: store.families.orders)
        try write(batch, sync: true)
    }

    private func encode(_ order: EmissionOrder) throws(MarkingError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(order))
        } catch {
            throw MarkingError(.store, "cannot encode order \(order.id)")
        }
    }

    private func write(_ batch: WriteBatch, sync: Bool) throws(MarkingError) {
        do {
            try store.database.write(batch, sync: sync)
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    // MARK: Counters

    /// The counter of one GTIN and serial length.
    struct Counter {
        var next: UInt64
        var hasSelfMade: Bool

        var bytes: [UInt8] { withUnsafeBytes(of: next.littleEndian) { Array($0) } + [hasSelfMade ? 1 : 0] }
    }

    private func counterKey(gtin: GTIN, serialLength: Int) -> [UInt8] {
        CodeKey.prefix(gtin: gtin, serialLength: serialLength)
    }

    private func readCounter(gtin: GTIN, serialLength: Int) throws(MarkingError) -> Counter {
        do {
            guard let bytes = try store.database.get(counterKey(gtin: gtin, serialLength: serialLength), in: store.families.counters),
                  bytes.count == 9
            else { return Counter(next: 0, hasSelfMade: false) }
            let next = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            return Counter(next: next, hasSelfMade: bytes[8] != 0)
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    /// The next counter that an order for `gtin` would start at (for tests and tools).
    public func nextCounter(gtin: GTIN, serialLength: Int) throws(MarkingError) -> UInt64 {
        try readCounter(gtin: gtin, serialLength: serialLength).next
    }

    /// Counters in `[from, to)` that already hold a code (necessarily self-made, since
    /// operator ranges are fresh).
    private func takenCounters(gtin: GTIN, serialLength: Int, from: UInt64, to: UInt64) throws(MarkingError) -> [UInt64] {
        do {
            let cursor = try Cursor(
                store.database, family: store.families.codes,
                from: CodeKey.make(gtin: gtin, serialLength: serialLength, preimage: UInt128(from)),
                to: CodeKey.make(gtin: gtin, serialLength: serialLength, preimage: UInt128(to)))
            var taken: [UInt64] = []
            while cursor.isValid {
                if let parts = CodeKey.decode(cursor.key) { taken.append(UInt64(parts.preimage)) }
                cursor.next()
            }
            try cursor.checkStatus()
            return taken
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }
}

/// The smallest key greater than every key that starts with `prefix`.
func upperBound(of prefix: [UInt8]) -> [UInt8] {
    var bound = prefix
    while let last = bound.last {
        if last < 0xFF {
            bound[bound.count - 1] = last + 1
            return bound
        }
        bound.removeLast()
    }
    return bound
}
