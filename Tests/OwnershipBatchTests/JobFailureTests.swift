import Emitter
import MarkingCore
import OwnershipBatch
import TestSupport
import Testing

/// A document never stays `IN_PROGRESS` for ever: what can be read before it is
/// stored is read then, and refuses it with the field that is wrong.
@Suite("Documents that cannot be processed")
struct JobFailureTests {
    @Test(arguments: ["not a package", "00123", "01046070000000142"])
    func anAggregationWithAnUnreadablePackageIsRefusedBeforeItIsStored(package: String) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let units = try ledger.introduced(2)
        let unchanged = try ledger.everything()
        let error = #expect(throws: MarkingError.self) {
            try ledger.engine.submit(ledger.request(.aggregation, by: ledger.producer, units, package: package))
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.field == .init("package", .documentPackage))
        #expect(try ledger.everything() == unchanged, "no document stored, nothing in flight")
    }
}

@Suite("Document numbers")
struct DocumentNumberTests {
    @Test func aNumberSentAgainWithOtherContentIsRefusedAndARetryIsTheSameDocument() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(4)
        let first = try ledger.submit(.transfer, by: ledger.producer, Array(codes[0..<2]), number: "INV-9", receiver: ledger.wholesaler)
        #expect(first.state == .checkedOK)
        let retry = try ledger.engine.submit(
            ledger.request(.transfer, by: ledger.producer, Array(codes[0..<2]), number: "INV-9", receiver: ledger.wholesaler))
        #expect(retry.id == first.id, "a retry returns the first document")
        let unchanged = try ledger.everything()
        let other = #expect(throws: MarkingError.self) {
            try ledger.engine.submit(
                ledger.request(.transfer, by: ledger.producer, Array(codes[2..<4]), number: "INV-9", receiver: ledger.wholesaler))
        }
        #expect(other?.code == .numberReused)
        #expect(other?.field?.name == "number")
        #expect(try ledger.everything() == unchanged)
        #expect(try ledger.owners(Array(codes[2..<4])) == [ledger.producer.id], "the other content was not applied")
    }
}
