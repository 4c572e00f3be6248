import MarkingCore
import Testing

@Suite("Code records")
struct CodeRecordTests {
    private static let samples: [CodeRecord] = [
        CodeRecord(status: .emitted, templateID: 1, keyID: "K001", owner: 7, producer: 7, order: 1, emittedAt: 1_700_000_000_000),
        CodeRecord(
            status: .writtenOff, flags: [.selfMade, .package], templateID: 255, reason: 9, keyID: "zZ9!",
            owner: .max, producer: .max - 1, order: .max, parent: .max - 2, lastDocument: .max - 3, emittedAt: .max - 4),
        CodeRecord(
            status: .introduced, flags: .package, templateID: 3, reason: 0, keyID: "K<>%",
            owner: 0x0102_0304, producer: 0x0A0B_0C0D, order: 0x0102_0304_0506_0708, parent: 1 << 63,
            lastDocument: 0x00FF_00FF_00FF_00FF, emittedAt: 0),
    ] + CodeStatus.allCases.map {
        CodeRecord(status: $0, templateID: 2, keyID: "K002", owner: 1, producer: 2, order: 3, emittedAt: 4)
    }

    @Test func recordIs48Bytes() {
        #expect(CodeRecord.size == 48)
        for record in Self.samples { #expect(record.bytes.count == 48) }
    }

    @Test(arguments: CodeRecordTests.samples)
    func recordDecodesToTheSameFields(record: CodeRecord) throws {
        let decoded = try #require(CodeRecord(record.bytes))
        #expect(decoded == record)
        #expect(decoded.status == record.status)
        #expect(decoded.flags == record.flags)
        #expect(decoded.templateID == record.templateID)
        #expect(decoded.reason == record.reason)
        #expect(decoded.keyID == record.keyID)
        #expect(decoded.owner == record.owner)
        #expect(decoded.producer == record.producer)
        #expect(decoded.order == record.order)
        #expect(decoded.parent == record.parent)
        #expect(decoded.lastDocument == record.lastDocument)
        #expect(decoded.emittedAt == record.emittedAt)
        // Re-encoding gives the same bytes.
        #expect(decoded.bytes == record.bytes)
    }

    @Test func recordLayoutIsLittleEndianAtTheDocumentedOffsets() {
        let record = Self.samples[2]
        let bytes = record.bytes
        #expect(bytes[0] == CodeStatus.introduced.rawValue)
        #expect(bytes[1] == CodeRecord.Flags.package.rawValue)
        #expect(bytes[2] == 3)
        #expect(bytes[3] == 0)
        #expect(Array(bytes[4..<8]) == Array("K<>%".utf8))
        #expect(Array(bytes[8..<12]) == [0x04, 0x03, 0x02, 0x01])
        #expect(Array(bytes[12..<16]) == [0x0D, 0x0C, 0x0B, 0x0A])
        #expect(Array(bytes[16..<24]) == [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
        #expect(Array(bytes[24..<32]) == [0, 0, 0, 0, 0, 0, 0, 0x80])
        #expect(Array(bytes[32..<40]) == [0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0])
        #expect(Array(bytes[40..<48]) == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func statusRawValuesNeverChange() {
        #expect(CodeStatus.allCases.map(\.rawValue) == [1, 2, 3, 4, 5])
        #expect(CodeStatus.allCases.map(\.name) == ["EMITTED", "APPLIED", "INTRODUCED", "RETIRED", "WRITTEN_OFF"])
    }

    @Test(arguments: [0, 1, 8, 47, 49, 96])
    func bytesOfTheWrongSizeAreNotARecord(count: Int) {
        var bytes = Self.samples[0].bytes
        if count < 48 {
            bytes = Array(bytes.prefix(count))
        } else {
            bytes += [UInt8](repeating: 0, count: count - 48)
        }
        #expect(CodeRecord(bytes) == nil)
        #expect(bytes.withUnsafeBytes { CodeRecord($0) } == nil)
    }

    @Test(arguments: [0, 6, 0x7F, 0xFF] as [UInt8])
    func unknownStatusIsNotARecord(status: UInt8) {
        var bytes = Self.samples[0].bytes
        bytes[0] = status
        #expect(CodeRecord(bytes) == nil)
        #expect(CodeRecord([UInt8](repeating: status, count: 48)) == nil)
    }

    @Test func allZeroBytesAreNotARecord() {
        #expect(CodeRecord([UInt8](repeating: 0, count: 48)) == nil)
    }
}
