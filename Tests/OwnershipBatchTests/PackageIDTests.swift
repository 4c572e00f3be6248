import Emitter
@testable import MarkingCore
import OwnershipBatch
import TestSupport
import Testing

/// A package's contents are one key range, `C` + its id; the range's end must be the
/// prefix's true successor. With the last byte merely incremented, every package
/// whose id ends in 0xFF lost its contents to listing, moves and unpacking.
@Suite("Package ids at byte boundaries")
struct PackageIDTests {
    @Test(arguments: [UInt64(255), 256, 511, 65_535])
    func packageKeepsItsContents(id: UInt64) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let units = try ledger.introduced(3)
        let pallet = sscc(900 + id)

        try ledger.store.setSequence(IDSequence.package.rawValue, next: id)
        try ledger.expectOK(.aggregation, by: producer, units, package: pallet)
        #expect(try ledger.parents(units) == [id])
        #expect(try ledger.engine.contents(of: pallet)?.totalUnits == 3, "listing")

        try ledger.expectOK(.transfer, by: producer, [pallet], receiver: wholesaler)
        #expect(try ledger.owners(units) == [wholesaler.id], "transfer moves every unit")

        try ledger.expectOK(.disaggregation, by: wholesaler, [pallet])
        #expect(try ledger.parents(units) == [0], "disaggregation frees every unit")
        #expect(try ledger.engine.contents(of: pallet) == nil)
        #expect(try ledger.store.entries(of: .aggregates).isEmpty, "nothing of the package is left")

        try ledger.store.setSequence(IDSequence.package.rawValue, next: id)
        try ledger.expectOK(.aggregation, by: wholesaler, units, package: pallet)
        #expect(try ledger.parents(units) == [id], "re-aggregation under the same id")
        #expect(try ledger.engine.contents(of: pallet)?.totalUnits == 3)

        try ledger.expectOK(.retirement, by: wholesaler, [pallet], reason: "RETAIL_SALE")
        #expect(try ledger.statuses(units) == [.retired], "retirement reaches every unit")
    }

    @Test func neighbouringPackagesKeepTheirOwnContents() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let first = try ledger.introduced(2), second = try ledger.introduced(2)
        try ledger.store.setSequence(IDSequence.package.rawValue, next: 255)
        try ledger.expectOK(.aggregation, by: producer, first, package: sscc(1_255))
        try ledger.expectOK(.aggregation, by: producer, second, package: sscc(1_256))
        #expect(try ledger.parents(first) == [255] && ledger.parents(second) == [256])
        try ledger.expectOK(.disaggregation, by: producer, [sscc(1_255)])
        #expect(try ledger.parents(first) == [0])
        #expect(try ledger.parents(second) == [256], "unpacking 255 leaves 256 whole")
        #expect(try ledger.engine.contents(of: sscc(1_256))?.totalUnits == 2)
    }
}
