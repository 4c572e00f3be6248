import Foundation
@testable import MarkingCore
import Testing

/// A changeset is what a replicated log carries: its bytes decode back exactly,
/// compactly, and bytes that are not a changeset are refused, never half-read.
@Suite("Changeset bytes")
struct ChangesetTests {
    private func record(owner: UInt32, document: UInt64) -> CodeRecord {
        var record = CodeRecord(
            status: .introduced, templateID: 1, keyID: "K001", owner: owner, producer: 1, order: 3, emittedAt: 1_764_000_000_000)
        record.lastDocument = document
        return record
    }

    private func sample(codes: Int) -> Changeset {
        let gtin = GTIN(uncheckedValue: 4_607_000_000_014)
        var changeset = Changeset()
        changeset.putDocument(7, Array(#"{"id":7}"#.utf8))
        changeset.putDocumentNumber("INV-1", of: 2, id: 7)
        changeset.setInFlight(7, node: "r1")
        changeset.clearInFlight(8)
        changeset.putPackageUnit(CodeRef(gtin: gtin, serialLength: 13, preimage: 5), into: 255)
        changeset.deletePackage(255, label: .sscc("046070000000000017"))
        var part = CodeWrites()
        for counter in 0..<codes {
            part.put(CodeRef(gtin: gtin, serialLength: 13, preimage: UInt128(counter * 2)), record(owner: 2, document: 7), replacing: nil)
        }
        changeset.append(part)
        changeset.putCode(CodeRef(gtin: gtin, serialLength: 7, preimage: 9), record(owner: 4, document: 7), replacing: nil)
        changeset.emit(
            EmissionRange(
                gtin: gtin.value, serialLength: 13, record: record(owner: 1, document: 0), start: 1_000, end: 1_000_000,
                skipped: [1_001, 1_005]))
        return changeset
    }

    @Test func roundTripIsExact() throws {
        let changeset = sample(codes: 1_000)
        let bytes = changeset.encoded()
        let decoded = try Changeset(decoding: bytes)
        #expect(decoded == changeset)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.codeCount == 1_001)
        #expect(decoded.emissions.first?.skipped == [1_001, 1_005])
    }

    @Test func emptyChangesetRoundTrips() throws {
        let bytes = Changeset().encoded()
        #expect(try Changeset(decoding: bytes) == Changeset())
        #expect(try Changeset(decoding: bytes).isEmpty)
    }

    @Test func codesAreCompactAndAnEmissionIsItsRange() throws {
        let codes = 100_000
        let bytes = sample(codes: codes).encoded()
        // A record is 48 bytes and its key 20: sorted keys share most of their bytes.
        #expect(bytes.count < codes * 56, "\(bytes.count / codes) bytes per code")
        var emission = Changeset()
        emission.emit(
            EmissionRange(gtin: 4_607_000_000_014, serialLength: 13, record: record(owner: 1, document: 0), start: 0, end: 100_000_000, skipped: []))
        #expect(emission.encoded().count < 128, "100 million codes as one range")
    }

    @Test func everyTruncationIsRefused() throws {
        let bytes = sample(codes: 20).encoded()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: MarkingError.self) { try Changeset(decoding: Array(bytes[0..<length])) }
        }
        #expect(throws: MarkingError.self) { try Changeset(decoding: bytes + [0]) }
    }

    @Test func corruptBytesAreRefusedWithTheirPosition() throws {
        var bytes = sample(codes: 3).encoded()
        bytes[2] = 9
        let error = try #require(throws: MarkingError.self) { try Changeset(decoding: bytes) }
        #expect(error.code == .malformedChangeset)
        #expect(error.message.contains("byte"))
        // A count far larger than the bytes left cannot ask for a huge allocation.
        let huge: [UInt8] = [UInt8(ascii: "M"), UInt8(ascii: "C"), 1, 48, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(throws: MarkingError.self) { try Changeset(decoding: huge) }
    }
}
