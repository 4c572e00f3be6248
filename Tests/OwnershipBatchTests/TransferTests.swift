import Dispatch
import Emitter
import Foundation
import MarkingCore
@testable import OwnershipBatch
import Synchronization
import TestSupport
import Testing

@Suite("Transfers")
struct TransferTests {
    @Test func transferringATransportPackageMovesEverythingInsideIt() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let units = try ledger.introduced(14)
        let groups = try ledger.introduced(2, gtin: groupGTIN)
        let (first, second, loose) = (Array(units[0..<5]), Array(units[5..<10]), Array(units[10..<14]))
        let pallet = sscc(1234)
        try ledger.expectOK(.aggregation, by: producer, first, package: groups[0])
        try ledger.expectOK(.aggregation, by: producer, second, package: groups[1])
        try ledger.expectOK(.aggregation, by: producer, groups + loose, package: pallet)
        let stranger = try ledger.introduced(3)

        let unchanged = try ledger.codesAndPackages()
        let packedUnit = try ledger.expectRefused(.transfer, by: producer, [stranger[0], second[2]], receiver: wholesaler)
        #expect(packedUnit.refusals == [.inPackage: 1])
        #expect(packedUnit.firstRefused.map(\.line) == [2])
        #expect(packedUnit.firstRefused.first?.code == second[2])
        let packedGroup = try ledger.expectRefused(.transfer, by: producer, [groups[1]], receiver: wholesaler)
        #expect(packedGroup.refusals == [.inPackage: 1], "a group inside a pallet moves only with the pallet")
        let palletAndUnit = try ledger.expectRefused(.transfer, by: producer, [pallet, first[0]], receiver: wholesaler)
        #expect(palletAndUnit.refusals == [.duplicateCode: 1])
        #expect(try ledger.codesAndPackages() == unchanged)

        let moved = try ledger.expectOK(.transfer, by: producer, [pallet, stranger[0]], receiver: wholesaler)
        #expect(moved.applied == 14 + 2 + 1, "every unit, both group codes and the extra unit")
        #expect(try ledger.owners(units + groups + [stranger[0]]) == [wholesaler.id])
        #expect(try ledger.owners(Array(stranger[1...])) == [producer.id])
        #expect(try ledger.statuses(units + groups) == [.introduced])
        #expect(try ledger.engine.contents(of: pallet)?.package.owner == wholesaler.id)
        #expect(try ledger.engine.contents(of: groups[0])?.package.owner == wholesaler.id)
        #expect(try ledger.engine.contents(of: groups[1])?.package.owner == wholesaler.id)
        #expect(try ledger.engine.contents(of: pallet)?.totalUnits == 14, "the packing is kept")

        // The old owner can no longer move it; the new one can, and can unpack it.
        let stale = try ledger.expectRefused(.transfer, by: producer, [pallet], receiver: retailer)
        #expect(stale.refusals == [.notOwner: 1])
        try ledger.expectOK(.disaggregation, by: wholesaler, [pallet])
        let onward = try ledger.expectOK(.transfer, by: wholesaler, [groups[0], loose[0]], receiver: retailer)
        #expect(onward.applied == 1 + 5 + 1)
        #expect(try ledger.owners(first + [groups[0], loose[0]]) == [retailer.id])
        #expect(try ledger.owners(second + [groups[1]] + Array(loose[1...])) == [wholesaler.id])
        #expect(try ledger.engine.contents(of: groups[0])?.package.owner == retailer.id)
    }

    @Test func largeDocumentsCheckedInPartsRefuseAndApplyLikeSmallOnes() throws {
        let ledger = try Ledger(partThreshold: 100)
        defer { ledger.close() }
        let mine = try ledger.introduced(600)
        let theirs = try ledger.introduced(3, to: ledger.wholesaler)
        let refused = try ledger.expectRefused(.transfer, by: ledger.producer, mine + [theirs[0], mine[300]], receiver: ledger.retailer)
        #expect(refused.refusals[.notOwner] == 1)
        #expect(refused.refusals[.duplicateCode] == 1)
        #expect(refused.firstRefused.map(\.line) == [601, 602])
        #expect(try ledger.owners(mine) == [ledger.producer.id])

        let applied = try ledger.expectOK(.transfer, by: ledger.producer, mine, receiver: ledger.retailer)
        #expect(applied.applied == 600)
        #expect(try ledger.owners(mine) == [ledger.retailer.id])
        #expect(try ledger.owners(theirs) == [ledger.wholesaler.id])
    }

    @Test func transferRefusesCodesOwnedBySomeoneElse() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        let own = try ledger.introduced(60)
        let foreign = try ledger.introduced(1, to: wholesaler)
        let lines = Array(own[0..<26]) + foreign + Array(own[26...])
        let unchanged = try ledger.codesAndPackages()

        let document = try ledger.expectRefused(.transfer, by: producer, lines, receiver: retailer)
        #expect(document.applied == 0)
        #expect(document.lines == 61)
        #expect(document.refusals == [.notOwner: 1])
        let refusal = try #require(document.firstRefused.first)
        #expect(document.firstRefused.count == 1)
        #expect(refusal.line == 27)
        #expect(refusal.code == foreign[0])
        #expect(refusal.reason == .notOwner)
        #expect(refusal.detail.contains("\(wholesaler.id)"))
        #expect(try ledger.codesAndPackages() == unchanged, "nothing was applied")
        #expect(try ledger.owners(own) == [producer.id])
        #expect(try ledger.owners(foreign) == [wholesaler.id])
        #expect(try ledger.engine.document(document.id) == document, "the refused document is stored as returned")

        // Many refusals are all counted; the first ones, by line, are listed (the
        // foreign codes are listed in reverse, so that line order is not key order).
        let theirs = Array(try ledger.introduced(JobEngine.reportedRefusals + 20, to: wholesaler).reversed())
        let many = try ledger.expectRefused(.transfer, by: producer, own + theirs, receiver: retailer)
        #expect(many.refusals == [.notOwner: theirs.count])
        #expect(many.firstRefused.map(\.line) == Array(own.count + 1...own.count + JobEngine.reportedRefusals))
        #expect(many.firstRefused.map(\.code) == Array(theirs.prefix(JobEngine.reportedRefusals)))
        #expect(try ledger.owners(own) == [producer.id])
    }

    /// Runs `requests` on as many threads at once.
    private func submitConcurrently(_ requests: [DocumentRequest], _ engine: JobEngine) throws -> [Document] {
        let results = Mutex<[Int: Result<Document, MarkingError>]>([:])
        DispatchQueue.concurrentPerform(iterations: requests.count) { index in
            let result = Result { () throws(MarkingError) -> Document in try engine.submit(requests[index]) }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { results in try (0..<requests.count).map { try results[$0]!.get() } }
    }

    @Test func concurrentTransfersOfOverlappingCodesCannotBothSucceed() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler, retailer = ledger.retailer
        // Several rounds: the two documents do not always overlap in time.
        for _ in 0..<8 {
            let codes = try ledger.introduced(1_200)
            let toWholesaler = Array(codes[0..<800]), toRetailer = Array(codes[400...])
            let documents = try submitConcurrently(
                [
                    ledger.request(.transfer, by: producer, toWholesaler, receiver: wholesaler),
                    ledger.request(.transfer, by: producer, toRetailer, receiver: retailer),
                ], ledger.engine)
            #expect(documents.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.checkedNotOK, .checkedOK])
            let winner = try #require(documents.firstIndex { $0.state == .checkedOK })
            let loser = documents[1 - winner]
            #expect(loser.refusals == [.notOwner: 400], "the overlap is owned by the winner's receiver by then")
            #expect(loser.applied == 0)
            #expect(try ledger.recordsChanged(by: loser.id) == 0)
            #expect(documents[winner].applied == 800)
            let (given, receiver) = winner == 0 ? (toWholesaler, wholesaler) : (toRetailer, retailer)
            let kept = Set(codes).subtracting(given)
            #expect(try ledger.owners(given) == [receiver.id])
            #expect(try ledger.owners(Array(kept)) == [producer.id])
        }

        // The same with a whole pallet listed by both.
        let units = try ledger.introduced(300)
        let pallet = sscc(99)
        try ledger.expectOK(.aggregation, by: producer, units, package: pallet)
        let documents = try submitConcurrently(
            [
                ledger.request(.transfer, by: producer, [pallet], receiver: wholesaler),
                ledger.request(.transfer, by: producer, [pallet], receiver: retailer),
            ], ledger.engine)
        #expect(documents.filter { $0.state == .checkedOK }.count == 1)
        let winner = try #require(documents.firstIndex { $0.state == .checkedOK })
        let receiver = winner == 0 ? wholesaler : retailer
        #expect(try ledger.owners(units) == [receiver.id])
        #expect(try ledger.engine.contents(of: pallet)?.package.owner == receiver.id)
        #expect(documents[1 - winner].refusals == [.notOwner: 1])
    }

    @Test func resubmittedTransferReturnsTheFirstDocumentAndIsNotAppliedTwice() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let codes = try ledger.introduced(10)
        let request = ledger.request(.transfer, by: producer, codes, number: "INV-2024/001", receiver: wholesaler)
        let first = try ledger.engine.submit(request)
        #expect(first.state == .checkedOK)
        try ledger.expectOK(.transfer, by: wholesaler, codes, receiver: producer)
        #expect(try ledger.owners(codes) == [producer.id])

        let unchanged = try ledger.everything()
        let again = try ledger.engine.submit(request)
        #expect(again == first, "the first document, same id, unchanged")
        #expect(try ledger.owners(codes) == [producer.id], "the codes did not move a second time")
        #expect(try ledger.everything() == unchanged)
        // Another code list under the same number is another document: refused, not
        // answered with the first one (issue "Hardening", point 13).
        var different = request
        different.codes = CodeList([codes[0]])
        let reused = #expect(throws: MarkingError.self) { try ledger.engine.submit(different) }
        #expect(reused?.code == .numberReused)
        #expect(try ledger.owners(codes) == [producer.id])

        // The number belongs to the participant: another one may use it too.
        let theirs = try ledger.introduced(2, to: wholesaler)
        let other = try ledger.engine.submit(
            ledger.request(.transfer, by: wholesaler, theirs, number: "INV-2024/001", receiver: producer))
        #expect(other.id != first.id)
        #expect(other.state == .checkedOK)
        #expect(try ledger.owners(theirs) == [producer.id])
    }

    @Test func resubmittedRetailReturnIsNotAppliedTwice() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let codes = try ledger.introduced(5)
        try ledger.expectOK(.retirement, by: producer, codes, reason: "RETAIL_SALE")
        let request = ledger.request(.retailReturn, by: producer, codes, number: "RET-1")
        let first = try ledger.engine.submit(request)
        #expect(first.state == .checkedOK)
        #expect(try ledger.statuses(codes) == [.introduced])
        try ledger.expectOK(.retirement, by: producer, codes, reason: "RETAIL_SALE")

        let again = try ledger.engine.submit(request)
        #expect(again == first)
        #expect(try ledger.statuses(codes) == [.retired], "the codes sold again stay sold")
    }

    @Test func jobInterruptedBeforeCommitLeavesNoPartialChange() throws {
        let ledger = try Ledger()
        let folder = ledger.folder
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let units = try ledger.introduced(40)
        let pallet = sscc(5)
        try ledger.expectOK(.aggregation, by: producer, Array(units[0..<20]), package: pallet)
        let unchanged = try ledger.codesAndPackages()

        let request = ledger.request(.transfer, by: producer, [pallet] + Array(units[20...]), number: "CUT-1", receiver: wholesaler)
        let cut = try ledger.engine.submitStoppingBeforeCommit(request)
        #expect(cut.state == .inProgress)
        #expect(try ledger.engine.document(cut.id)?.state == .inProgress, "stored before the codes were touched")
        #expect(try ledger.codesAndPackages() == unchanged)
        // The process dies here.
        ledger.store.close()

        let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
        defer { store.close() }
        let engine = try JobEngine(store: store)
        let recovered = try #require(try engine.document(cut.id))
        #expect(recovered.state == .checkedNotOK)
        #expect(recovered.refusals == [.interrupted: 21])
        #expect(recovered.firstRefused.map(\.reason) == [.interrupted])
        #expect(recovered.applied == 0)
        #expect(recovered.finishedAt != nil)
        #expect(try codesAndPackages(store) == unchanged, "no code or package changed")

        // Recovery happens once; the number stays spent; a new document applies.
        let reopened = try JobEngine(store: store)
        #expect(try reopened.document(cut.id) == recovered)
        #expect(try engine.submit(request) == recovered)
        var retry = request
        retry.number = "CUT-2"
        let applied = try engine.submit(retry)
        #expect(applied.state == .checkedOK)
        #expect(applied.applied == 40)
        for line in units {
            #expect(try store.record(for: try store.parser.parse(line).cis)?.owner == wholesaler.id)
        }
    }

    @Test func appliedCountsEveryCodeTheDocumentChanged() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        let codes = try ledger.emit(37)
        let groups = try ledger.emit(2, gtin: groupGTIN)
        #expect(try ledger.expectOK(.utilisation, by: producer, codes + groups).applied == 39)
        #expect(try ledger.expectOK(.aggregation, by: producer, Array(codes[0..<10]), package: groups[0]).applied == 11)
        #expect(try ledger.expectOK(.aggregation, by: producer, Array(codes[10..<15]), package: groups[1]).applied == 6)
        #expect(try ledger.expectOK(.aggregation, by: producer, groups + [codes[15]], package: sscc(1)).applied == 3)
        #expect(try ledger.expectOK(.introduction, by: producer, [sscc(1)] + Array(codes[16...])).applied == 39)
        #expect(try ledger.expectOK(.transfer, by: producer, [sscc(1), codes[20]], receiver: wholesaler).applied == 19)
        #expect(try ledger.expectOK(.retirement, by: wholesaler, [sscc(1)], reason: "RETAIL_SALE").applied == 18)
        #expect(try ledger.expectOK(.retailReturn, by: wholesaler, [sscc(1)]).applied == 18)
        #expect(try ledger.expectOK(.disaggregation, by: wholesaler, [sscc(1)]).applied == 3, "two group codes and a unit")
        #expect(try ledger.expectOK(.transfer, by: wholesaler, [groups[1]], receiver: producer).applied == 6, "a group listed by its code")
        #expect(try ledger.expectOK(.writeOff, by: producer, Array(codes[21..<25]), reason: "EXPIRED").applied == 4)
        #expect(try ledger.expectRefused(.writeOff, by: producer, Array(codes[25..<30]) + [codes[20]], reason: "EXPIRED").applied == 0)
    }
}
