import Emitter
import MarkingCore
import OwnershipBatch
import TestSupport
import Testing

@Suite("Aggregation")
struct AggregationTests {
    @Test func unitSitsInOnePackageAtATime() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let units = try ledger.introduced(4)
        let groups = try ledger.applied(2, gtin: groupGTIN)
        try ledger.expectOK(.aggregation, by: producer, [units[0], units[1]], package: groups[0])
        let unchanged = try ledger.codesAndPackages()

        let second = try ledger.expectRefused(.aggregation, by: producer, [units[2], units[1]], package: groups[1])
        #expect(second.refusals == [.inPackage: 1])
        #expect(second.firstRefused.map(\.line) == [2])
        #expect(second.firstRefused.first?.code == units[1])
        let intoTransport = try ledger.expectRefused(.aggregation, by: producer, [units[0]], package: sscc(1))
        #expect(intoTransport.refusals == [.inPackage: 1])

        #expect(try ledger.codesAndPackages() == unchanged)
        #expect(try ledger.engine.contents(of: groups[1]) == nil, "the refused package was not created")
        #expect(try ledger.engine.contents(of: sscc(1)) == nil)
        #expect(try ledger.record(units[2]).parent == 0)
        #expect(try ledger.engine.contents(of: groups[0])?.totalUnits == 2)
    }

    @Test func packageAndItsContentsBelongToOneOwner() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let own = try ledger.introduced(3)
        let theirs = try ledger.introduced(2, to: wholesaler)
        let group = try ledger.applied(1, gtin: groupGTIN)
        let unchanged = try ledger.codesAndPackages()

        let foreignUnit = try ledger.expectRefused(.aggregation, by: producer, [own[0], theirs[0]], package: group[0])
        #expect(foreignUnit.refusals == [.notOwner: 1])
        #expect(foreignUnit.firstRefused.map(\.line) == [2])
        let foreignGroupCode = try ledger.expectRefused(.aggregation, by: wholesaler, theirs, package: group[0])
        #expect(foreignGroupCode.refusals == [.notOwner: 1])
        #expect(try ledger.codesAndPackages() == unchanged)

        // Existing packages of someone else cannot be filled either.
        try ledger.expectOK(.aggregation, by: producer, [own[0]], package: group[0])
        try ledger.expectOK(.aggregation, by: producer, [own[1]], package: sscc(5))
        let filled = try ledger.codesAndPackages()
        let intoGroup = try ledger.expectRefused(.aggregation, by: wholesaler, [theirs[0]], package: group[0])
        #expect(intoGroup.refusals == [.notOwner: 1])
        let intoTransport = try ledger.expectRefused(.aggregation, by: wholesaler, [theirs[0]], package: sscc(5))
        #expect(intoTransport.refusals == [.notOwner: 1])
        #expect(try ledger.codesAndPackages() == filled)
    }

    @Test func packingNeedsAppliedOrIntroducedCodes() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let emitted = try ledger.emit(2)
        let applied = try ledger.applied(1)
        let introduced = try ledger.introduced(1)
        let emittedGroup = try ledger.emit(1, gtin: groupGTIN)
        let unchanged = try ledger.codesAndPackages()

        let document = try ledger.expectRefused(.aggregation, by: producer, applied + emitted + introduced, package: sscc(3))
        #expect(document.refusals == [.wrongStatus: 2])
        #expect(document.firstRefused.map(\.line) == [2, 3])
        #expect(document.firstRefused.allSatisfy { $0.detail.contains("EMITTED") && $0.detail.contains("AGGREGATION") })
        let groupLabel = try ledger.expectRefused(.aggregation, by: producer, applied, package: emittedGroup[0])
        #expect(groupLabel.refusals == [.wrongStatus: 1], "a group package's own code must be printed too")
        #expect(try ledger.codesAndPackages() == unchanged)

        let packed = try ledger.expectOK(.aggregation, by: producer, applied + introduced, package: sscc(3))
        #expect(packed.applied == 2)
        #expect(try ledger.statuses(applied) == [.applied], "packing keeps the status")
        #expect(try ledger.statuses(introduced) == [.introduced])
    }

    @Test func unitsGoIntoGroupPackagesAndGroupPackagesIntoTransportPackages() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let units = try ledger.introduced(8)
        let groups = try ledger.applied(4, gtin: groupGTIN)
        let (first, second, loose) = (Array(units[0..<3]), Array(units[3..<5]), units[5])
        let pallet = sscc(42)
        let palletLabel = "(00)" + String(pallet.dropFirst(2))

        let firstPack = try ledger.expectOK(.aggregation, by: producer, first, package: groups[0])
        #expect(firstPack.applied == 4, "three units and the group's own code")
        try ledger.expectOK(.aggregation, by: producer, second, package: groups[1])
        #expect(try ledger.record(groups[0]).flags.contains(.package))
        let palletPack = try ledger.expectOK(.aggregation, by: producer, [groups[0], groups[1], loose], package: pallet)
        #expect(palletPack.applied == 3)

        // Trace: innermost package first.
        let trace = try #require(try ledger.engine.trace(try ledger.code(first[1])))
        #expect(trace.packages.map(\.kind) == [.group, .transport])
        // A group package is labelled with its code's CIS, never with the tail it was sent with.
        #expect(trace.packages.map(\.label) == [try ledger.cisLabel(groups[0]), palletLabel])
        #expect(trace.record.parent == trace.packages[0].id)
        #expect(trace.packages[0].parent == trace.packages[1].id)
        #expect(trace.packages[1].parent == 0)
        let looseTrace = try #require(try ledger.engine.trace(try ledger.code(loose)))
        #expect(looseTrace.packages.map(\.kind) == [.transport])
        let freeTrace = try #require(try ledger.engine.trace(try ledger.code(units[7])))
        #expect(freeTrace.packages.isEmpty)

        // Contents: direct children, and every unit at any depth.
        let palletContents = try #require(try ledger.engine.contents(of: pallet))
        #expect(palletContents.package.kind == .transport)
        #expect(palletContents.package.owner == producer.id)
        #expect(palletContents.units == [try ledger.code(loose).cis])
        #expect(Set(palletContents.packages.map(\.label)) == Set([try ledger.cisLabel(groups[0]), try ledger.cisLabel(groups[1])]))
        #expect(palletContents.totalUnits == 6)
        #expect(palletContents.package.units == 1 && palletContents.package.packages == 2)
        let groupContents = try #require(try ledger.engine.contents(of: groups[0]))
        #expect(groupContents.package.kind == .group)
        #expect(Set(groupContents.units) == Set(try first.map { try ledger.code($0).cis }))
        #expect(groupContents.packages.isEmpty)
        #expect(groupContents.totalUnits == 3)
        #expect(try ledger.engine.contents(of: palletLabel)?.package.id == palletContents.package.id)

        // Nesting: a transport package goes into nothing; a group holds no group; no
        // package holds itself.
        try ledger.expectOK(.aggregation, by: producer, [units[6]], package: groups[2])
        let unchanged = try ledger.codesAndPackages()
        let transportInTransport = try ledger.expectRefused(.aggregation, by: producer, [pallet], package: sscc(43))
        #expect(transportInTransport.refusals == [.nesting: 1])
        let transportInGroup = try ledger.expectRefused(.aggregation, by: producer, [units[7], pallet], package: groups[3])
        #expect(transportInGroup.refusals == [.nesting: 1])
        #expect(transportInGroup.firstRefused.map(\.line) == [2])
        let groupInGroup = try ledger.expectRefused(.aggregation, by: producer, [groups[2]], package: groups[3])
        #expect(groupInGroup.refusals == [.nesting: 1])
        let groupInItself = try ledger.expectRefused(.aggregation, by: producer, [groups[2]], package: groups[2])
        #expect(groupInItself.refusals == [.nesting: 1])
        #expect(try ledger.codesAndPackages() == unchanged)
    }

    @Test func disaggregationUnpacksAndThePartsCanBePackedAgain() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let units = try ledger.introduced(5)
        let groups = try ledger.applied(2, gtin: groupGTIN)
        let inner = Array(units[0..<3])
        let pallet = sscc(7)
        let palletLabel = "(00)" + String(pallet.dropFirst(2))
        try ledger.expectOK(.aggregation, by: producer, inner, package: groups[0])
        try ledger.expectOK(.aggregation, by: producer, [groups[0], units[3]], package: pallet)
        let groupID = try #require(try ledger.engine.contents(of: groups[0])).package.id

        // A group inside a transport package is unpacked only after the transport package.
        let tooDeep = try ledger.expectRefused(.disaggregation, by: producer, [groups[0]])
        #expect(tooDeep.refusals == [.inPackage: 1])
        let notAPackage = try ledger.expectRefused(.disaggregation, by: producer, [units[4]])
        #expect(notAPackage.refusals == [.unknownPackage: 1])
        let unknownPallet = try ledger.expectRefused(.disaggregation, by: producer, [sscc(8)])
        #expect(unknownPallet.refusals == [.unknownPackage: 1])

        let unpackPallet = try ledger.expectOK(.disaggregation, by: producer, [pallet])
        #expect(unpackPallet.applied == 2, "the loose unit and the group's code")
        #expect(try ledger.engine.contents(of: pallet) == nil, "the transport package is gone")
        #expect(try ledger.record(units[3]).parent == 0)
        #expect(try ledger.record(groups[0]).parent == 0)
        #expect(try ledger.parents(inner) == [groupID], "the group keeps its contents")
        #expect(try ledger.engine.contents(of: groups[0])?.package.parent == 0)
        #expect(try ledger.engine.trace(try ledger.code(inner[0]))?.packages.map(\.kind) == [.group])

        let unpackGroup = try ledger.expectOK(.disaggregation, by: producer, [groups[0]])
        #expect(unpackGroup.applied == 4, "three units and the group's own code")
        #expect(try ledger.parents(inner) == [0])
        #expect(try ledger.engine.contents(of: groups[0]) == nil)
        #expect(!(try ledger.record(groups[0]).flags.contains(.package)))
        #expect(try ledger.engine.trace(try ledger.code(inner[0]))?.packages.isEmpty == true)
        #expect(try ledger.statuses(inner + [units[3]]) == [.introduced], "unpacking keeps the status")

        // Packed again, differently: the old group code and the same pallet label.
        try ledger.expectOK(.aggregation, by: producer, [inner[0], units[4]], package: groups[0])
        try ledger.expectOK(.aggregation, by: producer, [inner[1], inner[2]], package: groups[1])
        try ledger.expectOK(.aggregation, by: producer, [groups[1], units[3]], package: pallet)
        #expect(try ledger.engine.contents(of: groups[0])?.totalUnits == 2)
        #expect(try ledger.engine.contents(of: pallet)?.totalUnits == 3)
        #expect(try ledger.engine.trace(try ledger.code(inner[2]))?.packages.map(\.label) == [try ledger.cisLabel(groups[1]), palletLabel])
    }
}
