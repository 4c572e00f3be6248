import Foundation
import MarkingCore
import RocksDB

/// What a two-step transfer reserved, as stored in the `documents` family while it
/// waits for acceptance, so that accepting or rejecting it needs no code list:
///
/// | key | value |
/// |---|---|
/// | `S` + document id + `C` + chunk (4 bytes) | codes: per code its key length (1 byte), key, and last document before the shipment (8 bytes, little-endian) |
/// | `S` + document id + `P` | packages: per package its storage label length (1 byte) and label |
/// | `W` + receiver (4 bytes) + document id | empty: the receiver's shipments waiting, for ``JobEngine/shipments(waitingFor:after:limit:)`` |
///
/// The entries are written in the batch that stores the document `WAIT_ACCEPTANCE`
/// and deleted in the one that accepts or rejects it. Ids are big-endian, so a
/// receiver's waiting shipments are one key range, oldest first.
enum Shipment {
    /// A chunk is closed once it holds this many bytes (some 70,000 codes).
    static let chunkBytes = 2 << 20

    static func appendCode(_ ref: CodeRef, previousDocument: UInt64, to chunk: inout [UInt8]) {
        let key = ref.key
        chunk.append(UInt8(key.count))
        chunk += key
        withUnsafeBytes(of: previousDocument.littleEndian) { chunk += $0 }
    }

    /// The codes of a chunk, in the order they were written.
    static func codes(_ chunk: [UInt8]) throws(MarkingError) -> [(ref: CodeRef, previousDocument: UInt64)] {
        var codes: [(ref: CodeRef, previousDocument: UInt64)] = []
        var index = 0
        while index < chunk.count {
            let length = Int(chunk[index])
            let end = index + 1 + length + 8
            guard end <= chunk.count, let ref = CodeRef(key: chunk[(index + 1)..<(index + 1 + length)]) else {
                throw MarkingError(.store, "a shipment's code list is damaged")
            }
            let previous = chunk[(index + 1 + length)..<end].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            codes.append((ref, previous))
            index = end
        }
        return codes
    }

    static func encodeLabels(_ labels: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for label in labels {
            bytes.append(UInt8(label.count))
            bytes += label
        }
        return bytes
    }

    static func labels(_ bytes: [UInt8]) throws(MarkingError) -> [PackageLabel] {
        var labels: [PackageLabel] = []
        var index = 0
        while index < bytes.count {
            let end = index + 1 + Int(bytes[index])
            guard end <= bytes.count, let label = PackageLabel(storageKey: Array(bytes[(index + 1)..<end])) else {
                throw MarkingError(.store, "a shipment's package list is damaged")
            }
            labels.append(label)
            index = end
        }
        return labels
    }
}

extension DocumentKeys {
    static func shipment(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "S")] + bigEndian(id) }
    static func shipmentCodes(_ id: UInt64, _ chunk: UInt32) -> [UInt8] {
        shipment(id) + [UInt8(ascii: "C")] + withUnsafeBytes(of: chunk.bigEndian) { Array($0) }
    }
    static func shipmentPackages(_ id: UInt64) -> [UInt8] { shipment(id) + [UInt8(ascii: "P")] }
    static func waiting(_ receiver: UInt32) -> [UInt8] {
        [UInt8(ascii: "W")] + withUnsafeBytes(of: receiver.bigEndian) { Array($0) }
    }
    static func waiting(_ receiver: UInt32, _ id: UInt64) -> [UInt8] { waiting(receiver) + bigEndian(id) }
}

extension JobEngine {
    /// The receiver accepts a shipment waiting for acceptance: in one synced batch,
    /// every code it reserved (packed ones and package codes included) and every
    /// package it moves gets the receiver as owner and is freed, and the document
    /// becomes `CHECKED_OK` with ``Document/acceptedAt``.
    ///
    /// Throws, changing nothing: `document.unknown`, `document.not_receiver` (anyone
    /// but the receiver of a transfer), `document.not_waiting` (a one-step transfer,
    /// or a shipment already accepted, rejected or refused).
    public func accept(_ id: UInt64, by participant: UInt32) throws(MarkingError) -> Document {
        try answer(id, by: participant, accepting: true)
    }

    /// The receiver rejects a shipment waiting for acceptance: in one synced batch,
    /// every code and package it reserved is freed as it was before the shipment
    /// (owner, status and last document), and the document becomes `REJECTED` with
    /// ``Document/rejectedAt``. Throws as ``accept(_:by:)`` does.
    public func reject(_ id: UInt64, by participant: UInt32) throws(MarkingError) -> Document {
        try answer(id, by: participant, accepting: false)
    }

    /// Gives every shipment still waiting its entry in the receivers' index: a store
    /// written before the index existed holds waiting shipments without one, and
    /// their receivers could not find them. Each waiting shipment has one `S` + id +
    /// `P` entry; the engine reads them at start, a few keys while nothing waits.
    func indexWaitingShipments() throws(MarkingError) {
        let ids = try documentKeys(from: [UInt8(ascii: "S")], to: [UInt8(ascii: "S") + 1]).compactMap { key in
            key.count == 10 && key.last == UInt8(ascii: "P") ? DocumentKeys.id(Array(key[1..<9])) : nil
        }
        let batch = WriteBatch()
        var missing = 0
        for id in ids {
            guard let document = try document(id), document.state == .waitAcceptance, let receiver = document.receiver else { continue }
            let key = DocumentKeys.waiting(receiver, id)
            guard try read({ try store.database.get(key, in: store.families.documents) }) == nil else { continue }
            batch.put(key, [], in: store.families.documents)
            missing += 1
        }
        if missing > 0 { try write(batch) }
    }

    /// The shipments waiting for `receiver` to accept or reject them, oldest first: at
    /// most `limit`, those with an id above `after` (pass the last id of a page to get
    /// the next). Each is the stored document, `WAIT_ACCEPTANCE`.
    public func shipments(waitingFor receiver: UInt32, after: UInt64 = 0, limit: Int = 1_000) throws(MarkingError) -> [Document] {
        guard after < .max, limit > 0 else { return [] }
        let upper = receiver < .max ? DocumentKeys.waiting(receiver + 1) : [UInt8(ascii: "W") + 1]
        let ids = try documentKeys(from: DocumentKeys.waiting(receiver, after + 1), to: upper, limit: limit).compactMap {
            DocumentKeys.id(Array($0.suffix(8)))
        }
        var waiting: [Document] = []
        for id in ids {
            if let document = try document(id) { waiting.append(document) }
        }
        return waiting
    }

    private func answer(_ id: UInt64, by participant: UInt32, accepting: Bool) throws(MarkingError) -> Document {
        try commitLock.withLock { _ throws(MarkingError) -> Document in
            guard var document = try document(id) else {
                throw MarkingError(.unknownDocument, "there is no document \(id)")
            }
            guard document.type == .transfer, let receiver = document.receiver, receiver == participant else {
                throw MarkingError(.notReceiver, "only the receiver of a shipment may accept or reject it; participant \(participant) is not the receiver of document \(id)")
            }
            guard document.acceptance == true, document.state == .waitAcceptance else {
                let state = document.acceptance == true ? document.state.rawValue : "a transfer without acceptance"
                throw MarkingError(.notWaiting, "document \(id) is \(state), not a shipment waiting for acceptance")
            }
            let batch = WriteBatch()
            try read { () throws -> Void in
                let codes = store.families.codes
                let chunks = DocumentKeys.shipment(id) + [UInt8(ascii: "C")]
                let cursor = try Cursor(
                    store.database, family: store.families.documents, from: chunks,
                    to: DocumentKeys.shipment(id) + [UInt8(ascii: "C") + 1])
                var reserved: [(ref: CodeRef, previousDocument: UInt64)] = []
                reserved.reserveCapacity(document.applied)
                while cursor.isValid {
                    reserved += try Shipment.codes(cursor.value)
                    cursor.next()
                }
                try cursor.checkStatus()
                // A lost chunk would leave its codes reserved for ever behind a finished shipment.
                guard reserved.count == document.applied else {
                    throw MarkingError(.store, "shipment \(id) lists \(reserved.count) reserved codes, but \(document.applied) were reserved")
                }
                // Read as a document reads its codes (key order, cursors over dense runs),
                // to check that each is still reserved by this shipment.
                reserved.sort { $0.ref < $1.ref }
                var units = reserved.map { DocumentWork.Unit(ref: $0.ref, line: 0, direct: false, tail: .none) }
                try DocumentWork.readRecords(&units, from: 0, store: store, parts: parseShards)
                for (unit, entry) in zip(units, reserved) {
                    guard var record = unit.record, record.flags.contains(.inShipment), record.lastDocument == id else {
                        throw MarkingError(.store, "a code of shipment \(id) is no longer reserved by it")
                    }
                    record.flags.remove(.inShipment)
                    if accepting {
                        record.owner = receiver
                    } else {
                        record.lastDocument = entry.previousDocument
                    }
                    batch.put(unit.ref.key, record.bytes, in: codes)
                }
                let labels = try store.database.get(DocumentKeys.shipmentPackages(id), in: store.families.documents)
                    .map(Shipment.labels) ?? []
                for label in labels {
                    guard var package = try packages.record(label), package.shipment == id else {
                        throw MarkingError(.store, "a package of shipment \(id) is no longer reserved by it")
                    }
                    package.shipment = nil
                    if accepting { package.owner = receiver }
                    try stage(package, as: label, in: batch)
                }
            }
            let now = MarkingStore.now()
            if accepting {
                document.state = .checkedOK
                document.acceptedAt = now
            } else {
                document.state = .rejected
                document.rejectedAt = now
                document.applied = 0
            }
            batch.deleteRange(
                from: DocumentKeys.shipment(id), to: DocumentKeys.shipment(id) + [0xFF], in: store.families.documents)
            batch.delete(DocumentKeys.waiting(receiver, id), in: store.families.documents)
            batch.put(DocumentKeys.document(id), try encode(document), in: store.families.documents)
            try write(batch)
            return document
        }
    }
}
