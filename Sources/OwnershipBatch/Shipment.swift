import Foundation
import MarkingCore

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
        try answer(ShipmentAnswer(document: id, receiver: participant, accepting: true))
    }

    /// The receiver rejects a shipment waiting for acceptance: in one synced batch,
    /// every code and package it reserved is freed as it was before the shipment
    /// (owner, status and last document), and the document becomes `REJECTED` with
    /// ``Document/rejectedAt``. Throws as ``accept(_:by:)`` does.
    public func reject(_ id: UInt64, by participant: UInt32) throws(MarkingError) -> Document {
        try answer(ShipmentAnswer(document: id, receiver: participant, accepting: false))
    }

    /// Gives every shipment still waiting its entry in the receivers' index: a store
    /// written before the index existed holds waiting shipments without one, and
    /// their receivers could not find them. Each waiting shipment has one `S` + id +
    /// `P` entry; the engine reads them at start, a few keys while nothing waits.
    func indexWaitingShipments() throws(MarkingError) {
        var missing: [(UInt64, UInt32)] = []
        for id in try store.reservingShipments() {
            guard let document = try document(id), document.state == .waitAcceptance, let receiver = document.receiver else { continue }
            if try !store.isIndexedWaiting(id, for: receiver) { missing.append((id, receiver)) }
        }
        guard !missing.isEmpty else { return }
        _ = try store.committer.commit { changeset in
            for (id, receiver) in missing { changeset.putWaiting(id, for: receiver) }
        }
    }

    /// The shipments waiting for `receiver` to accept or reject them, oldest first: at
    /// most `limit`, those with an id above `after` (pass the last id of a page to get
    /// the next). Each is the stored document, `WAIT_ACCEPTANCE`.
    public func shipments(waitingFor receiver: UInt32, after: UInt64 = 0, limit: Int = 1_000) throws(MarkingError) -> [Document] {
        let ids = try store.waitingShipments(for: receiver, after: after, limit: limit)
        var waiting: [Document] = []
        for id in ids {
            if let document = try document(id) { waiting.append(document) }
        }
        return waiting
    }

    /// Runs a receiver's answer to a shipment: ``accept(_:by:)`` or ``reject(_:by:)``.
    public func answer(_ answer: ShipmentAnswer) throws(MarkingError) -> Document {
        let (id, participant, accepting) = (answer.document, answer.receiver, answer.accepting)
        return try store.committer.commit { changeset throws(MarkingError) -> Document in
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
            var reserved = try store.reservedCodes(of: id)
            // A lost chunk would leave its codes reserved for ever behind a finished shipment.
            guard reserved.count == document.applied else {
                throw MarkingError(.store, "shipment \(id) lists \(reserved.count) reserved codes, but \(document.applied) were reserved")
            }
            // Read as a document reads its codes (key order, cursors over dense runs),
            // to check that each is still reserved by this shipment.
            reserved.sort { $0.ref < $1.ref }
            let records = try store.records(sortedRefs: reserved.map(\.ref), parts: parseShards)
            var codes = CodeWrites(capacity: reserved.count)
            for (entry, old) in zip(reserved, records) {
                guard var record = old, record.flags.contains(.inShipment), record.lastDocument == id else {
                    throw MarkingError(.store, "a code of shipment \(id) is no longer reserved by it")
                }
                record.flags.remove(.inShipment)
                if accepting {
                    record.owner = receiver
                } else {
                    record.lastDocument = entry.previousDocument
                }
                codes.put(entry.ref, record, replacing: old)
            }
            changeset.append(codes)
            for label in try store.reservedPackages(of: id) {
                guard var package = try packages.record(label), package.shipment == id else {
                    throw MarkingError(.store, "a package of shipment \(id) is no longer reserved by it")
                }
                package.shipment = nil
                if accepting { package.owner = receiver }
                changeset.putPackage(label, try encode(package))
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
            changeset.deleteShipment(id, receiver: receiver)
            changeset.putDocument(id, try encode(document))
            return document
        }.value
    }
}

/// The receiver's answer to a shipment waiting for acceptance: the typed command
/// behind `POST /documents/{id}/accept|reject` and `shipment accept|reject`.
public struct ShipmentAnswer: Sendable, Codable, Hashable {
    public var document: UInt64
    /// The participant answering; only the shipment's receiver may.
    public var receiver: UInt32
    public var accepting: Bool

    public init(document: UInt64, receiver: UInt32, accepting: Bool) {
        self.document = document
        self.receiver = receiver
        self.accepting = accepting
    }
}
