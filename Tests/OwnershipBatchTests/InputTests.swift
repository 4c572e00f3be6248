import Emitter
import Foundation
import MarkingCore
import OwnershipBatch
import TestSupport
import Testing

/// Requests that are wrong as a whole, each built around codes that would otherwise move.
enum BadRequest: String, CaseIterable, Sendable {
    case emptyCodeList, receiverIsSender, unknownParticipant, unknownReceiver, transferWithoutReceiver
    case receiverOnARetirement, writeOffWithoutReason, writeOffWithRetirementReason, retirementWithWriteOffReason
    case unknownReason, reasonOnATransfer, emptyNumber, blankNumber, overlongNumber, aggregationWithoutPackage
    case dateThatDoesNotExist, customsDeclarationDateInAnotherShape, productionDateWithMonth13

    func request(_ ledger: Ledger, _ codes: [String]) -> DocumentRequest {
        let producer = ledger.producer, wholesaler = ledger.wholesaler
        var stranger = wholesaler
        stranger.id = 999
        switch self {
        case .emptyCodeList: return ledger.request(.transfer, by: producer, [], receiver: wholesaler)
        case .receiverIsSender: return ledger.request(.transfer, by: producer, codes, receiver: producer)
        case .unknownParticipant: return ledger.request(.transfer, by: stranger, codes, receiver: wholesaler)
        case .unknownReceiver: return ledger.request(.transfer, by: producer, codes, receiver: stranger)
        case .transferWithoutReceiver: return ledger.request(.transfer, by: producer, codes)
        case .receiverOnARetirement:
            return ledger.request(.retirement, by: producer, codes, receiver: wholesaler, reason: "RETAIL_SALE")
        case .writeOffWithoutReason: return ledger.request(.writeOff, by: producer, codes)
        case .writeOffWithRetirementReason: return ledger.request(.writeOff, by: producer, codes, reason: "RETAIL_SALE")
        case .retirementWithWriteOffReason: return ledger.request(.retirement, by: producer, codes, reason: "DAMAGED")
        case .unknownReason: return ledger.request(.writeOff, by: producer, codes, reason: "EATEN")
        case .reasonOnATransfer: return ledger.request(.transfer, by: producer, codes, receiver: wholesaler, reason: "LOST")
        case .emptyNumber: return ledger.request(.transfer, by: producer, codes, number: "", receiver: wholesaler)
        case .blankNumber: return ledger.request(.transfer, by: producer, codes, number: "   ", receiver: wholesaler)
        case .overlongNumber:
            return ledger.request(.transfer, by: producer, codes, number: String(repeating: "7", count: 129), receiver: wholesaler)
        case .aggregationWithoutPackage: return ledger.request(.aggregation, by: producer, codes)
        case .dateThatDoesNotExist:
            var request = ledger.request(.transfer, by: producer, codes, receiver: wholesaler)
            request.date = "2026-02-29"
            return request
        case .customsDeclarationDateInAnotherShape:
            var request = ledger.request(.introduction, by: producer, codes)
            request.customsDeclarationDate = "01.01.2026"
            return request
        case .productionDateWithMonth13:
            var request = ledger.request(.introduction, by: producer, codes)
            request.productionDate = "2026-13-01"
            return request
        }
    }
}

@Suite("Input checks")
struct InputTests {
    @Test(arguments: BadRequest.allCases)
    func badRequestThrowsAndChangesNothing(_ bad: BadRequest) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(5)
        let unchanged = try ledger.everything()
        let error = #expect(throws: MarkingError.self) { try ledger.engine.submit(bad.request(ledger, codes)) }
        #expect(error?.code == .invalidInput)
        #expect(try ledger.everything() == unchanged, "no document, code or sequence changed")
        #expect(try ledger.owners(codes) == [ledger.producer.id])
        #expect(try ledger.statuses(codes) == [.introduced])
    }

    @Test(arguments: [
        ("2026-02-28", true), ("2028-02-29", true), ("2000-02-29", true), ("2026-12-31", true), ("0001-01-01", true),
        ("2026-02-29", false), ("1900-02-29", false), ("2026-04-31", false), ("2026-13-01", false), ("2026-00-10", false),
        ("2026-01-00", false), ("0000-01-01", false), ("2026-1-01", false), ("26-01-01", false), ("2026/01/01", false),
        ("01.01.2026", false), ("2026-01-01T00:00", false), (" 2026-01-01", false), ("2026-0a-01", false), ("", false),
        ("２０２６-01-01", false),
    ])
    func aDocumentDateIsARealCalendarDayWrittenYYYYMMDD(text: String, valid: Bool) {
        #expect(CalendarDate.isValid(text) == valid)
        let passes = (try? DocumentRequest.validateDate(text, field: "date")) != nil
        #expect(passes == valid)
    }

    @Test func aWrongDateIsRefusedNamingItsField() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        var request = ledger.request(.introduction, by: ledger.producer, try ledger.applied(1))
        request.productionDate = "2026-06-31"
        let error = #expect(throws: MarkingError.self) { try ledger.engine.submit(request) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message == "productionDate '2026-06-31' is not a calendar date YYYY-MM-DD")
    }

    @Test func documentDatesThatExistAreKeptOnTheDocument() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        var request = ledger.request(.introduction, by: ledger.producer, try ledger.applied(3))
        request.date = "2028-02-29"
        request.customsDeclarationDate = "2026-01-31"
        request.productionDate = "2025-12-31"
        let document = try ledger.engine.submit(request)
        #expect(document.state == .checkedOK)
        #expect(document.date == "2028-02-29")
        #expect(document.customsDeclarationDate == "2026-01-31")
        #expect(document.productionDate == "2025-12-31")
    }

    @Test func codeListLongerThanTheLimitIsRefusedBeforeAnyCodeIsRead() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        // Only counted, never parsed: two bytes a line.
        var text = [UInt8](repeating: UInt8(ascii: "\n"), count: 2 * (JobEngine.maximumCodes + 1))
        for index in stride(from: 0, to: text.count, by: 2) { text[index] = UInt8(ascii: "x") }
        let codes = CodeList(text: text)
        #expect(codes.count == JobEngine.maximumCodes + 1)
        let unchanged = try ledger.everything()
        let request = DocumentRequest(
            type: .utilisation, participant: ledger.producer.id, number: "BIG-1", codes: codes)
        let error = #expect(throws: MarkingError.self) { try ledger.engine.submit(request) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("\(JobEngine.maximumCodes)") == true)
        #expect(try ledger.everything() == unchanged)
    }

    @Test func unknownCodeIsRefused() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(3)
        // Well formed and correctly signed, but never emitted.
        let cis = CIS(gtin: groupGTIN, serial: try Serial("ABCDEFGHIJKLM"))
        let bare = CIS(gtin: groupGTIN, serial: try Serial("ABCDEFGHIJKLN")).description
        let tail = try #require(ledger.store.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: ledger.store.keys.activeKeyID))
        let unknown = MarkingCode(cis: cis, keyID: ledger.store.keys.activeKeyID, tail: tail, tailKind: .keyIdAndMAC).formatted()
        let unchanged = try ledger.codesAndPackages()
        let document = try ledger.expectRefused(.transfer, by: ledger.producer, codes + [unknown, bare], receiver: ledger.wholesaler)
        #expect(document.refusals == [.unknownCode: 2])
        #expect(document.firstRefused.map(\.line) == [4, 5])
        #expect(document.firstRefused.allSatisfy { $0.reason == .unknownCode && $0.detail.contains("line \($0.line)") })
        #expect(try ledger.codesAndPackages() == unchanged)
    }

    @Test func malformedLineIsRefusedWithItsLineNumber() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(4)
        let gtinWithBadCheckDigit = "0104607000000015" + "21ABCDEFGHIJKLM"
        let badSSCC = "00" + String(sscc(1).dropFirst(2).dropLast()) + (sscc(1).last == "9" ? "0" : "9")
        let lines = [codes[0], "not a code", codes[1], gtinWithBadCheckDigit, codes[2], badSSCC, codes[3]]
        let unchanged = try ledger.codesAndPackages()
        let document = try ledger.expectRefused(.transfer, by: ledger.producer, lines, receiver: ledger.wholesaler)
        #expect(document.refusals == [.malformedCode: 3])
        #expect(document.firstRefused.map(\.line) == [2, 4, 6])
        #expect(document.firstRefused.map(\.code) == ["not a code", gtinWithBadCheckDigit, badSSCC])
        for refusal in document.firstRefused {
            #expect(refusal.reason == .malformedCode)
            #expect(refusal.detail.contains("line \(refusal.line)"), "\(refusal.detail)")
        }
        #expect(document.firstRefused[2].detail.contains("check digit"))
        #expect(try ledger.codesAndPackages() == unchanged)
    }

    /// `line` with the first tail character after `ai` replaced.
    private func tampered(_ line: String, after ai: String) throws -> String {
        var bytes = Array(line.utf8)
        let marker = Array(("\u{1D}" + ai).utf8)
        let start = try #require((0...(bytes.count - marker.count)).last { Array(bytes[$0..<$0 + marker.count]) == marker })
        let index = start + marker.count
        bytes[index] = bytes[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [("s13-91-92", "92"), ("s7-93", "93"), ("s6-93", "93")])
    func tamperedTailIsRefusedAsForged(template: String, ai: String) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(3, template: template)
        let forged = try tampered(codes[1], after: ai)
        #expect(forged != codes[1])
        #expect(try ledger.code(forged).cis == ledger.code(codes[1]).cis, "same unit, wrong tail")
        let unchanged = try ledger.codesAndPackages()
        let document = try ledger.expectRefused(
            .transfer, by: ledger.producer, [codes[0], forged, codes[2]], receiver: ledger.wholesaler)
        #expect(document.refusals == [.forgedCode: 1])
        #expect(document.firstRefused.map(\.line) == [2])
        #expect(document.firstRefused.first?.code == forged)
        #expect(try ledger.codesAndPackages() == unchanged)
        // The genuine code, or its CIS alone, moves.
        try ledger.expectOK(.transfer, by: ledger.producer, [codes[0], codes[1], try ledger.code(codes[2]).cis.description], receiver: ledger.wholesaler)
        #expect(try ledger.owners(codes) == [ledger.wholesaler.id])
    }

    @Test func sameCodeTwiceIsRefusedAsDuplicate() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(4)
        let code = try ledger.code(codes[2])
        // The same unit in another scanner shape still counts as the same code.
        let lines = [codes[0], codes[2], codes[1], code.humanReadable, codes[3], "]d2" + codes[0]]
        let unchanged = try ledger.codesAndPackages()
        let document = try ledger.expectRefused(.transfer, by: ledger.producer, lines, receiver: ledger.wholesaler)
        #expect(document.refusals == [.duplicateCode: 2])
        #expect(document.firstRefused.map(\.line) == [4, 6])
        #expect(try ledger.codesAndPackages() == unchanged)
    }

    @Test(arguments: [DocumentType.utilisation, .introduction, .writeOff, .aggregation, .disaggregation])
    func sameCodeTwiceIsRefusedInEveryDocumentType(type: DocumentType) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        var codes: [String]
        switch type {
        case .utilisation: codes = try ledger.emit(2)
        case .introduction, .aggregation: codes = try ledger.applied(2)
        case .disaggregation:
            codes = try ledger.applied(2, gtin: groupGTIN)
            try ledger.expectOK(.aggregation, by: producer, try ledger.applied(1), package: codes[0])
            try ledger.expectOK(.aggregation, by: producer, try ledger.applied(1), package: codes[1])
        default: codes = try ledger.introduced(2)
        }
        let unchanged = try ledger.codesAndPackages()
        let document = try ledger.expectRefused(
            type, by: producer, [codes[0], codes[1], codes[0]], reason: type == .writeOff ? "DAMAGED" : nil,
            package: type == .aggregation ? sscc(2) : nil)
        #expect(document.refusals == [.duplicateCode: 1], "\(type.rawValue)")
        #expect(document.firstRefused.map(\.line) == [3])
        #expect(try ledger.codesAndPackages() == unchanged)
    }

    @Test(arguments: [DocumentType.aggregation, .disaggregation, .retirement])
    func forgedCodeIsRefusedInEveryDocumentType(type: DocumentType) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        var codes = try ledger.introduced(2, gtin: type == .disaggregation ? groupGTIN : unitGTIN)
        if type == .disaggregation {
            try ledger.expectOK(.aggregation, by: producer, try ledger.introduced(1), package: codes[0])
            try ledger.expectOK(.aggregation, by: producer, try ledger.introduced(1), package: codes[1])
        }
        codes[1] = try tampered(codes[1], after: "92")
        let unchanged = try ledger.codesAndPackages()
        let document = try ledger.expectRefused(
            type, by: producer, codes, reason: type == .retirement ? "RETAIL_SALE" : nil,
            package: type == .aggregation ? sscc(2) : nil)
        #expect(document.refusals == [.forgedCode: 1], "\(type.rawValue)")
        #expect(document.firstRefused.map(\.line) == [2])
        #expect(try ledger.codesAndPackages() == unchanged)
    }
}

@Suite("Refused lines")
struct RefusedLineTests {
    @Test func aRefusedLineIsKeptAsAShortExcerpt() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(2)
        let huge = "01" + String(repeating: "9", count: 4 << 20)
        let document = try ledger.expectRefused(.retirement, by: ledger.producer, [codes[0], huge, codes[1]], reason: "RETAIL_SALE")
        let kept = try #require(document.firstRefused.first { $0.line == 2 })
        #expect(kept.reason == .malformedCode)
        #expect(kept.code.utf8.count <= Refusal.maximumCodeBytes + 3, "the line is cut, not stored whole")
        #expect(kept.code.hasPrefix("0199"))
        #expect(kept.code.hasSuffix("…"))
        let stored = try #require(try ledger.store.document(document.id))
        #expect(stored.count < 64 << 10, "the stored document stays small: \(stored.count) bytes")
    }
}
