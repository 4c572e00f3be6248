import Foundation
import MarkingCore
@testable import OwnershipBatch
import RocksDB
import TestSupport
import Testing

@Suite("Two-step transfers: shipments waiting for the receiver's acceptance")
struct ShipmentTests {
    /// Entries the documents family holds for shipments (their code and package lists).
    private func shipmentEntries(_ ledger: Ledger) throws -> Int {
        try ledger.entries(.documents).keys.count { $0.first == UInt8(ascii: "S") }
    }

    @Test func twoStepTransferLeavesTheOwnerUnchangedUntilAccepted() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let codes = try ledger.introduced(20)
        let request = ledger.request(.transfer, by: producer, codes, number: "SHIP-1", receiver: wholesaler, acceptance: true)
        let shipment = try ledger.engine.submit(request)
        #expect(shipment.state == .waitAcceptance)
        #expect(shipment.acceptance == true)
        #expect(shipment.applied == 20, "the codes it reserved")
        #expect(shipment.finishedAt != nil && shipment.acceptedAt == nil)
        #expect(try ledger.owners(codes) == [producer.id], "the sender keeps the codes while they wait")
        #expect(try ledger.statuses(codes) == [.introduced])
        #expect(try ledger.shipments(codes) == [shipment.id])
        #expect(try ledger.recordsChanged(by: shipment.id) == 20)
        #expect(try ledger.engine.document(shipment.id) == shipment)
        #expect(try shipmentEntries(ledger) > 0)
        #expect(try ledger.engine.submit(request) == shipment, "the number is an idempotency key here too")

        let accepted = try ledger.engine.accept(shipment.id, by: wholesaler.id)
        #expect(accepted.state == .checkedOK)
        #expect(accepted.applied == 20)
        #expect(accepted.acceptedAt != nil && accepted.rejectedAt == nil)
        #expect(try ledger.engine.document(shipment.id) == accepted)
        #expect(try ledger.owners(codes) == [wholesaler.id])
        #expect(try ledger.statuses(codes) == [.introduced])
        #expect(try ledger.shipments(codes) == [0], "the reservation is gone")
        #expect(try ledger.recordsChanged(by: shipment.id) == 20, "the shipment is each code's last document")
        #expect(try shipmentEntries(ledger) == 0, "the stored code list is removed")
        try ledger.expectOK(.retirement, by: wholesaler, codes, reason: "RETAIL_SALE")
    }

    @Test func aReceiverListsTheShipmentsWaitingForItOldestFirstAndOnlyWhileTheyWait() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let codes = try ledger.introduced(10)
        let first = try ledger.ship(by: producer, Array(codes[0..<2]), to: wholesaler)
        let second = try ledger.ship(by: producer, Array(codes[2..<4]), to: wholesaler)
        let toRetailer = try ledger.ship(by: producer, Array(codes[4..<6]), to: retailer)
        try ledger.expectOK(.transfer, by: producer, Array(codes[6..<8]), receiver: wholesaler)
        let refused = try ledger.submit(.transfer, by: producer, Array(codes[0..<1]) + Array(codes[8..<10]), receiver: wholesaler, acceptance: true)
        #expect(refused.state == .checkedNotOK, "a code already in a shipment")

        let engine = ledger.engine
        #expect(try engine.shipments(waitingFor: wholesaler.id) == [first, second], "not the one-step transfer, not the refused one")
        #expect(try engine.shipments(waitingFor: retailer.id) == [toRetailer])
        #expect(try engine.shipments(waitingFor: producer.id).isEmpty, "the sender is not asked")
        #expect(try engine.shipments(waitingFor: wholesaler.id, limit: 1) == [first])
        #expect(try engine.shipments(waitingFor: wholesaler.id, after: first.id, limit: 1) == [second], "the next page")
        #expect(try engine.shipments(waitingFor: wholesaler.id, after: second.id).isEmpty)

        _ = try engine.accept(first.id, by: wholesaler.id)
        #expect(try engine.shipments(waitingFor: wholesaler.id) == [second])
        _ = try engine.reject(second.id, by: wholesaler.id)
        #expect(try engine.shipments(waitingFor: wholesaler.id).isEmpty, "answered shipments leave the list")
        #expect(try engine.shipments(waitingFor: retailer.id) == [toRetailer])
    }

    @Test func shipmentsWaitingInAStoreFromBeforeTheReceiverIndexAreListedAfterARestart() throws {
        let ledger = try Ledger()
        let folder = ledger.folder
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let codes = try ledger.introduced(4)
        let waiting = try ledger.ship(by: producer, Array(codes[0..<2]), to: wholesaler)
        let answered = try ledger.ship(by: producer, Array(codes[2...]), to: wholesaler)
        _ = try ledger.engine.reject(answered.id, by: wholesaler.id)
        // As a store written before the index: the waiting shipment has no entry in it.
        _ = try ledger.store.committer.commit { changeset in changeset.deleteWaiting(waiting.id, for: wholesaler.id) }
        #expect(try ledger.engine.shipments(waitingFor: wholesaler.id).isEmpty)
        ledger.store.close()

        let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
        defer { store.close() }
        let engine = try JobEngine(store: store)
        #expect(try engine.shipments(waitingFor: wholesaler.id).map(\.id) == [waiting.id], "listed again, the answered one not")
        #expect(try engine.accept(waiting.id, by: wholesaler.id).state == .checkedOK)
        #expect(try engine.shipments(waitingFor: wholesaler.id).isEmpty)
    }

    @Test func acceptingMovesEveryCodeIncludingThoseInsideATransportPackageToTheReceiver() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let units = try ledger.introduced(12)
        let groups = try ledger.introduced(2, gtin: groupGTIN)
        let (first, second, loose) = (Array(units[0..<4]), Array(units[4..<8]), Array(units[8..<10]))
        let pallet = sscc(77)
        try ledger.expectOK(.aggregation, by: producer, first, package: groups[0])
        try ledger.expectOK(.aggregation, by: producer, second, package: groups[1])
        try ledger.expectOK(.aggregation, by: producer, groups + loose, package: pallet)
        let packed = first + second + loose + groups

        let shipment = try ledger.ship(by: producer, [pallet, units[10]], to: wholesaler)
        #expect(shipment.applied == 8 + 2 + 2 + 1, "every unit, both group codes and the extra unit")
        #expect(try ledger.shipments(packed + [units[10]]) == [shipment.id])
        #expect(try ledger.shipments([units[11]]) == [0])
        for label in [pallet, groups[0], groups[1]] {
            let package = try #require(try ledger.engine.contents(of: label)?.package)
            #expect(package.owner == producer.id && package.shipment == shipment.id)
        }

        let accepted = try ledger.engine.accept(shipment.id, by: wholesaler.id)
        #expect(accepted.state == .checkedOK)
        #expect(try ledger.owners(packed + [units[10]]) == [wholesaler.id])
        #expect(try ledger.owners([units[11]]) == [producer.id])
        #expect(try ledger.shipments(packed + [units[10]]) == [0])
        for label in [pallet, groups[0], groups[1]] {
            let package = try #require(try ledger.engine.contents(of: label)?.package)
            #expect(package.owner == wholesaler.id && package.shipment == nil)
        }
        #expect(try ledger.engine.contents(of: pallet)?.totalUnits == 10, "the packing is kept")
        // The receiver owns it all now: it may unpack and ship it on.
        try ledger.expectOK(.disaggregation, by: wholesaler, [pallet])
        try ledger.expectOK(.transfer, by: wholesaler, [groups[0]], receiver: retailer)
        #expect(try ledger.owners(first) == [retailer.id])
    }

    @Test func rejectingLeavesOwnerAndStatusAsBeforeAndFreesTheCodes() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let units = try ledger.introduced(10)
        let pallet = sscc(8)
        try ledger.expectOK(.aggregation, by: producer, Array(units[0..<6]), package: pallet)
        let before = try ledger.entries(.codes)
        let palletBefore = try ledger.engine.contents(of: pallet)?.package

        let shipment = try ledger.ship(by: producer, [pallet] + Array(units[6...]), to: wholesaler)
        #expect(try ledger.entries(.codes) != before, "the codes are reserved")
        #expect(try ledger.engine.contents(of: pallet)?.package.shipment == shipment.id)
        let rejected = try ledger.engine.reject(shipment.id, by: wholesaler.id)
        #expect(rejected.state == .rejected)
        #expect(rejected.applied == 0)
        #expect(rejected.rejectedAt != nil && rejected.acceptedAt == nil)
        #expect(try ledger.engine.document(shipment.id) == rejected)
        #expect(try ledger.entries(.codes) == before, "every record as before, byte for byte")
        #expect(try ledger.engine.contents(of: pallet)?.package == palletBefore)
        #expect(try ledger.owners(units) == [producer.id])
        #expect(try ledger.statuses(units) == [.introduced])
        #expect(try ledger.recordsChanged(by: shipment.id) == 0)
        #expect(try shipmentEntries(ledger) == 0)

        // Freed: the sender may send them elsewhere, or retire them.
        try ledger.expectOK(.transfer, by: producer, [pallet], receiver: retailer)
        try ledger.expectOK(.retirement, by: producer, Array(units[6...]), reason: "EXPORT")
        #expect(try ledger.owners(Array(units[0..<6])) == [retailer.id])
    }

    @Test func codesWaitingForAcceptanceAreRefusedByAnyOtherDocumentNamingTheShipment() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let units = try ledger.introduced(12)
        let free = try ledger.introduced(2)
        let group = try ledger.introduced(1, gtin: groupGTIN)
        let pallet = sscc(9)
        try ledger.expectOK(.aggregation, by: producer, Array(units[0..<4]), package: group[0])
        try ledger.expectOK(.aggregation, by: producer, [group[0], units[4]], package: pallet)
        let shipment = try ledger.ship(by: producer, [pallet] + Array(units[5..<10]), to: wholesaler)
        let reserved = try ledger.codesAndPackages()

        func expectInShipment(_ document: Document, line: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(document.refusals[.inShipment] != nil, "\(document.refusals)", sourceLocation: sourceLocation)
            let refusal = document.firstRefused.first { $0.reason == .inShipment }
            #expect(refusal?.line == line, sourceLocation: sourceLocation)
            #expect(refusal?.detail.contains("shipment document \(shipment.id)") == true, "\(refusal?.detail ?? "")", sourceLocation: sourceLocation)
        }
        expectInShipment(try ledger.expectRefused(.transfer, by: producer, [free[0], units[6]], receiver: retailer), line: 2)
        expectInShipment(try ledger.expectRefused(.transfer, by: producer, [pallet], receiver: retailer), line: 1)
        expectInShipment(
            try ledger.expectRefused(.transfer, by: producer, [units[7]], receiver: retailer), line: 1)
        expectInShipment(try ledger.expectRefused(.retirement, by: producer, [units[8]], reason: "RETAIL_SALE"), line: 1)
        expectInShipment(try ledger.expectRefused(.writeOff, by: producer, [free[1], units[9]], reason: "LOST"), line: 2)
        expectInShipment(try ledger.expectRefused(.aggregation, by: producer, [units[5]], package: sscc(10)), line: 1)
        expectInShipment(try ledger.expectRefused(.aggregation, by: producer, [free[0]], package: pallet), line: 0)
        expectInShipment(try ledger.expectRefused(.aggregation, by: producer, [free[0]], package: units[6]), line: 0)
        expectInShipment(try ledger.expectRefused(.disaggregation, by: producer, [pallet]), line: 1)
        let again = try ledger.submit(.transfer, by: producer, [units[5]], receiver: retailer, acceptance: true)
        #expect(again.state == .checkedNotOK)
        expectInShipment(again, line: 1)
        // The receiver does not own them before it accepts.
        let early = try ledger.expectRefused(.transfer, by: wholesaler, [units[5]], receiver: retailer)
        #expect(early.refusals == [.notOwner: 1])
        #expect(try ledger.codesAndPackages() == reserved, "no refused document touched a reserved code")
        #expect(try ledger.owners(free) == [producer.id])
    }

    @Test func onlyTheReceiverMayAcceptOrRejectAShipment() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let codes = try ledger.introduced(6)
        let shipment = try ledger.ship(by: producer, Array(codes[0..<3]), to: wholesaler)
        let oneStep = try ledger.expectOK(.transfer, by: producer, Array(codes[3...]), receiver: retailer)
        let unchanged = try ledger.everything()

        for participant in [producer.id, retailer.id, 99] {
            let accepting = #expect(throws: MarkingError.self) { try ledger.engine.accept(shipment.id, by: participant) }
            #expect(accepting?.code == .notReceiver)
            let rejecting = #expect(throws: MarkingError.self) { try ledger.engine.reject(shipment.id, by: participant) }
            #expect(rejecting?.code == .notReceiver)
        }
        let unknown = #expect(throws: MarkingError.self) { try ledger.engine.accept(shipment.id + 100, by: wholesaler.id) }
        #expect(unknown?.code == .unknownDocument)
        let notAShipment = #expect(throws: MarkingError.self) { try ledger.engine.accept(oneStep.id, by: retailer.id) }
        #expect(notAShipment?.code == .notWaiting, "a one-step transfer has nothing to accept")
        #expect(try ledger.everything() == unchanged)
        #expect(try ledger.engine.document(shipment.id)?.state == .waitAcceptance)

        #expect(try ledger.engine.accept(shipment.id, by: wholesaler.id).state == .checkedOK)
        #expect(try ledger.owners(Array(codes[0..<3])) == [wholesaler.id])
    }

    @Test func acceptingTwiceOrAcceptingARejectedShipmentIsRefusedAndChangesNothing() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let codes = try ledger.introduced(8)
        let first = try ledger.ship(by: producer, Array(codes[0..<4]), to: wholesaler)
        let second = try ledger.ship(by: producer, Array(codes[4...]), to: wholesaler)
        let accepted = try ledger.engine.accept(first.id, by: wholesaler.id)
        let rejected = try ledger.engine.reject(second.id, by: wholesaler.id)
        let unchanged = try ledger.everything()

        for (id, answer) in [(first.id, true), (first.id, false), (second.id, true), (second.id, false)] {
            let error = #expect(throws: MarkingError.self) {
                answer ? try ledger.engine.accept(id, by: wholesaler.id) : try ledger.engine.reject(id, by: wholesaler.id)
            }
            #expect(error?.code == .notWaiting)
        }
        #expect(try ledger.everything() == unchanged)
        #expect(try ledger.engine.document(first.id) == accepted)
        #expect(try ledger.engine.document(second.id) == rejected)
        #expect(try ledger.owners(Array(codes[0..<4])) == [wholesaler.id])
        #expect(try ledger.owners(Array(codes[4...])) == [producer.id])
    }

    @Test func aShipmentSurvivesARestartOfTheEngineStillWaitingAndCanThenBeAccepted() throws {
        let ledger = try Ledger()
        let folder = ledger.folder
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let codes = try ledger.introduced(30)
        let pallet = sscc(3)
        try ledger.expectOK(.aggregation, by: producer, Array(codes[0..<10]), package: pallet)
        let shipment = try ledger.ship(by: producer, [pallet] + Array(codes[10..<20]), to: wholesaler)
        // A second shipment stops just before its batch: it must not reserve anything.
        let cut = try ledger.engine.submitStoppingBeforeCommit(
            ledger.request(.transfer, by: producer, Array(codes[20...]), receiver: retailer, acceptance: true))
        ledger.store.close()

        let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
        defer { store.close() }
        let engine = try JobEngine(store: store)
        #expect(try engine.document(shipment.id)?.state == .waitAcceptance)
        #expect(try engine.document(cut.id)?.state == .checkedNotOK)
        #expect(try engine.document(cut.id)?.refusals == [.interrupted: 10])
        func record(_ line: String) throws -> CodeRecord { try #require(try store.record(for: try store.parser.parse(line).cis)) }
        #expect(try codes[0..<20].allSatisfy { try record($0).flags.contains(.inShipment) && record($0).lastDocument == shipment.id })
        #expect(try codes[20...].allSatisfy { try !record($0).flags.contains(.inShipment) })
        let refused = try engine.submit(
            DocumentRequest(type: .retirement, participant: producer.id, number: "R-1", reason: "EXPORT", codes: CodeList([codes[15]])))
        #expect(refused.refusals == [.inShipment: 1])

        let accepted = try engine.accept(shipment.id, by: wholesaler.id)
        #expect(accepted.state == .checkedOK)
        #expect(try codes[0..<20].allSatisfy { try record($0).owner == wholesaler.id && !record($0).flags.contains(.inShipment) })
        #expect(try codes[20...].allSatisfy { try record($0).owner == producer.id })
        #expect(try engine.contents(of: pallet)?.package.owner == wholesaler.id)
    }

    @Test func largeShipmentsCheckedInPartsReserveAndAcceptLikeSmallOnes() throws {
        let ledger = try Ledger(partThreshold: 100)
        defer { ledger.close() }
        let codes = try ledger.introduced(600)
        let theirs = try ledger.introduced(1, to: ledger.wholesaler)
        let refused = try ledger.submit(.transfer, by: ledger.producer, codes + theirs, receiver: ledger.retailer, acceptance: true)
        #expect(refused.state == .checkedNotOK)
        #expect(refused.refusals == [.notOwner: 1])
        #expect(try ledger.shipments(codes) == [0])

        let shipment = try ledger.ship(by: ledger.producer, codes, to: ledger.retailer)
        #expect(shipment.applied == 600)
        #expect(try ledger.shipments(codes) == [shipment.id])
        #expect(try ledger.engine.accept(shipment.id, by: ledger.retailer.id).state == .checkedOK)
        #expect(try ledger.owners(codes) == [ledger.retailer.id])
    }

    @Test func onlyATransferCanWaitForAcceptance() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(2)
        let unchanged = try ledger.everything()
        let error = #expect(throws: MarkingError.self) {
            try ledger.engine.submit(ledger.request(.retirement, by: ledger.producer, codes, reason: "EXPORT", acceptance: true))
        }
        #expect(error?.code == .invalidInput)
        #expect(try ledger.everything() == unchanged)
    }
}
