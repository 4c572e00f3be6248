import Emitter
import Foundation
import MarkingCore
import OwnershipBatch
import TestSupport
import Synchronization
import Testing

/// The registry is a state machine fed by changesets: another store that applies the
/// same changeset bytes, in the same order, holds the same registry, byte for byte.
@Suite("Changeset replay")
struct ChangesetReplayTests {
    /// Runs a day of the registry on a ledger and returns the bytes of every
    /// changeset it committed, in order.
    private func recordedDay(_ ledger: Ledger) throws -> [[UInt8]] {
        let recorded = ChangesetRecorder()
        ledger.store.committer.observe { changeset, _ in recorded.add(changeset) }
        defer { ledger.store.committer.observe(nil) }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let units = try ledger.introduced(40)
        let groups = try ledger.applied(2, gtin: groupGTIN)
        try ledger.expectOK(.aggregation, by: producer, Array(units[0..<10]), package: groups[0])
        try ledger.expectOK(.aggregation, by: producer, Array(units[10..<15]), package: sscc(77))
        try ledger.expectOK(.transfer, by: producer, [sscc(77)] + Array(units[15..<20]), receiver: wholesaler)
        let shipment = try ledger.ship(by: producer, Array(units[20..<30]), to: retailer)
        _ = try ledger.engine.accept(shipment.id, by: retailer.id)
        let rejected = try ledger.ship(by: producer, Array(units[30..<35]), to: retailer)
        _ = try ledger.engine.reject(rejected.id, by: retailer.id)
        try ledger.expectOK(.disaggregation, by: wholesaler, [sscc(77)])
        try ledger.expectRefused(.writeOff, by: producer, [units[0]], reason: "DAMAGED")
        try ledger.expectOK(.retirement, by: retailer, Array(units[20..<25]), reason: "RETAIL_SALE")
        return recorded.changesets
    }

    @Test func twoStoresFedTheSameChangesetsHaveEqualDigests() throws {
        let written = try ReplayedLedger()
        defer { written.close() }
        let changesets = written.changesets
        #expect(changesets.count > 10)
        #expect(written.ledger.store.appliedSequence == UInt64(changesets.count), "one applied sequence per changeset")

        var copies: [MarkingStore] = []
        defer { for copy in copies { copy.close(); try? FileManager.default.removeItem(atPath: copy.dataFolder) } }
        for _ in 0..<2 {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)").path
            let copy = try MarkingStore(dataFolder: folder, keyFile: written.ledger.folder + "/keys.json", options: smallStoreOptions)
            copies.append(copy)
            let empty = try copy.digest()
            for bytes in changesets { try copy.committer.apply(try Changeset(decoding: bytes)) }
            #expect(try copy.digest() != empty)
        }
        let digests = try copies.map { try $0.digest() }
        #expect(digests[0] == digests[1], "the same changeset bytes make byte-identical stores")
        #expect(try digests[0] == written.ledger.store.digest(), "and the store that wrote them")
        #expect(copies.map(\.appliedSequence) == [written.ledger.store.appliedSequence, written.ledger.store.appliedSequence])

        // One changeset more on one copy only: the digests part.
        _ = try copies[0].nextID("extra")
        #expect(try copies[0].digest() != copies[1].digest())
    }

    @Test func changesetsOfARealDayRoundTrip() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        for bytes in try recordedDay(ledger) {
            let decoded = try Changeset(decoding: bytes)
            #expect(decoded.encoded() == bytes)
        }
    }
}

/// A ledger recorded from its first commit: every changeset it wrote, as bytes.
final class ReplayedLedger: Sendable {
    let ledger: Ledger
    private let recorded = ChangesetRecorder()

    init() throws {
        let recorded = self.recorded
        ledger = try Ledger(observing: { recorded.add($0) })
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let units = try ledger.introduced(30)
        try ledger.expectOK(.aggregation, by: producer, Array(units[0..<10]), package: sscc(5))
        try ledger.expectOK(.transfer, by: producer, [sscc(5)] + Array(units[10..<15]), receiver: wholesaler)
        let shipment = try ledger.ship(by: producer, Array(units[15..<20]), to: wholesaler)
        _ = try ledger.engine.accept(shipment.id, by: wholesaler.id)
        try ledger.expectOK(.disaggregation, by: wholesaler, [sscc(5)])
        try ledger.expectOK(.retirement, by: wholesaler, Array(units[0..<5]), reason: "RETAIL_SALE")
        ledger.store.committer.observe(nil)
    }

    var changesets: [[UInt8]] { recorded.changesets }

    func close() { ledger.close() }
}

/// Collects the bytes of changesets as a committer writes them.
final class ChangesetRecorder: Sendable {
    private let recorded = Mutex<[[UInt8]]>([])

    func add(_ changeset: Changeset) {
        let bytes = changeset.encoded()
        recorded.withLock { $0.append(bytes) }
    }

    var changesets: [[UInt8]] { recorded.withLock { $0 } }
}
