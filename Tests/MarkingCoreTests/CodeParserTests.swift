import Foundation
import MarkingCore
import TestSupport
import Testing

/// Serials full of set-82 characters that look like separators, AIs or FNC1 text.
private let trickySerials13 = [
    "ab<GS>(91)/%\"",
    "'&?<GS>91%\"/(",
    "(91)K001(92)A",
    "!\"%&'()*+,-./",
    "<GS>93ABCD+/=",
    "<GS>91K001<GS",
    "Zz09:;<=>?_xy",
    "(93)(92)(91)?",
]
private let trickySerials7 = ["<GS>93(", "(93)&?'", "%\"/&'?<", "(91)<GS"]
private let trickySerials6 = ["(93)<>", "<GS>93", "\"'&?%/", "(21)01"]

private let parser = CodeParser()

/// Every shape a scanner or a person may deliver `code` in, by name, as bytes.
private func shapes(of code: MarkingCode) -> [(String, [UInt8])] {
    let plain = Array(code.formatted().utf8)
    var shapes: [(String, [UInt8])] = [
        ("plain with 0x1D", plain),
        ("]d2 prefix", Array("]d2".utf8) + plain),
        ("]C1 prefix", Array("]C1".utf8) + plain),
        ("]Q3 prefix", Array("]Q3".utf8) + plain),
        ("byte 0xE8 prefix", [0xE8] + plain),
        ("è text prefix", Array("è".utf8) + plain),
        ("leading GS", [0x1D] + plain),
        ("<GS> text separators", Array(code.formatted(separator: "<GS>").utf8)),
        ("\\u001d text separators", Array(code.formatted(separator: "\\u001d").utf8)),
        ("\\u001D text separators", Array(code.formatted(separator: "\\u001D").utf8)),
        ("]d2 and <GS> text separators", Array(("]d2" + code.formatted(separator: "<GS>")).utf8)),
        ("0xE8 and \\u001d text separators", [0xE8] + Array(code.formatted(separator: "\\u001d").utf8)),
        ("human readable", Array(code.humanReadable.utf8)),
        ("human readable with CR LF", Array((code.humanReadable + "\r\n").utf8)),
        ("trailing CR LF", plain + [0x0D, 0x0A]),
        ("trailing LF", plain + [0x0A]),
        ("trailing CR", plain + [0x0D]),
        ("surrounding blanks", Array(" \t".utf8) + plain + Array(" \n".utf8)),
        ("]d2 prefix and trailing CR LF", Array("]d2".utf8) + plain + [0x0D, 0x0A]),
    ]
    if code.tailKind == .keyIdAndMAC {
        // Mixed separators: some scanners translate only some of them.
        shapes.append(("mixed separators", Array((code.cis.description + "\u{1D}91" + code.keyID! + "<GS>92" + code.tail!).utf8)))
    }
    return shapes
}

@Suite("Code parser")
struct CodeParserTests {
    // MARK: Shapes

    @Test(arguments: trickySerials13)
    func everyScannerShapeOfA9192CodeParsesToTheSameCode(serial: String) throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: serial, tail: .keyIdAndMAC)
            #expect(code.cis.serial.description == serial)
            #expect(keys.signer.verify(code) == .valid)
            for (name, bytes) in shapes(of: code) {
                let parsed = try parser.parse(bytes: bytes)
                #expect(parsed == code, "shape: \(name)")
            }
        }
    }

    @Test(arguments: trickySerials7 + trickySerials6)
    func everyScannerShapeOfA93CodeParsesToTheSameCode(serial: String) throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.gs1Example, serial: serial, tail: .shortMAC)
            #expect(code.tail?.count == 4)
            for (name, bytes) in shapes(of: code) {
                let parsed = try parser.parse(bytes: bytes)
                #expect(parsed == code, "shape: \(name)")
            }
        }
    }

    @Test func textInputAndByteInputParseAlike() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: trickySerials13[0], tail: .keyIdAndMAC)
            let fromText = try parser.parse("è" + code.formatted())
            let fromBytes = try parser.parse(bytes: [0xE8] + Array(code.formatted().utf8))
            #expect(fromText == code)
            #expect(fromBytes == code)
            #expect(try parser.parse("]C1" + code.formatted(separator: "<GS>") + "\r\n") == code)
            #expect(try parser.parse(Substring(code.humanReadable)) == code)
        }
    }

    @Test(arguments: trickySerials13 + trickySerials7 + trickySerials6)
    func cisAloneParsesWithoutTail(serial: String) throws {
        let cis = CIS(gtin: try GTIN(SampleGTIN.other), serial: try Serial(serial))
        let expected = MarkingCode(cis: cis)
        let inputs: [(String, [UInt8])] = [
            ("plain", Array(cis.description.utf8)),
            ("]d2 prefix", Array(("]d2" + cis.description).utf8)),
            ("0xE8 prefix", [0xE8] + Array(cis.description.utf8)),
            ("trailing CR LF", Array((cis.description + "\r\n").utf8)),
            ("human readable", Array(expected.humanReadable.utf8)),
        ]
        for (name, bytes) in inputs {
            let parsed = try parser.parse(bytes: bytes)
            #expect(parsed == expected, "shape: \(name)")
            #expect(parsed.tail == nil && parsed.keyID == nil && parsed.tailKind == nil, "shape: \(name)")
        }
        #expect(expected.formatted() == cis.description)
        #expect(expected.humanReadable == "(01)\(SampleGTIN.other)(21)\(serial)")
    }

    @Test func formattedCodeHasTheDocumentedLayout() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let long = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            let tail = try #require(long.tail)
            #expect(long.formatted() == "0104607000000007" + "21ABCDEFGHIJKLM" + "\u{1D}91K001" + "\u{1D}92" + tail)
            #expect(long.humanReadable == "(01)04607000000007(21)ABCDEFGHIJKLM(91)K001(92)" + tail)
            #expect(long.description == long.formatted())
            let short = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFG", tail: .shortMAC)
            #expect(short.formatted() == "0104607000000007" + "21ABCDEFG" + "\u{1D}93" + short.tail!)
            #expect(short.humanReadable == "(01)04607000000007(21)ABCDEFG(93)" + short.tail!)
        }
    }

    // MARK: Round trips

    @Test(arguments: TemplateCatalog.standard.templates)
    func formattingRoundTripsForEveryTemplate(template: CodeTemplate) throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            for gtinText in [SampleGTIN.russian, SampleGTIN.gs1Example, SampleGTIN.other] {
                let gtin = try GTIN(gtinText)
                let permutation = SerialPermutation(keys: keys.ring, gtin: gtin, length: template.serialLength)
                for counter in Array(UInt64(0)..<300) + [permutation.counterLimit - 1] {
                    let cis = CIS(gtin: gtin, serial: permutation.serial(counter: counter))
                    let tail = try #require(keys.signer.tail(for: cis, kind: template.tail, keyID: keys.ring.activeKeyID))
                    #expect(tail.count == template.tailLength)
                    let code = MarkingCode(
                        cis: cis, keyID: template.tail == .keyIdAndMAC ? keys.ring.activeKeyID : nil,
                        tail: tail, tailKind: template.tail)
                    #expect(try parser.parse(code.formatted()) == code, "\(code.humanReadable)")
                    #expect(try parser.parse(code.humanReadable) == code, "\(code.humanReadable)")
                    #expect(try parser.parse(code.formatted(separator: "<GS>")) == code, "\(code.humanReadable)")
                    #expect(try parser.parse(cis.description) == MarkingCode(cis: cis), "\(code.humanReadable)")
                }
            }
        }
    }

    // MARK: Malformed codes

    /// A valid code whose byte positions are easy to count:
    /// `01` 1–2, GTIN 3–16, `21` 17–18, serial 19–31, GS 32, `91` 33–34, key id 35–38,
    /// GS 39, `92` 40–41, tail 42–85.
    private func sample(_ folder: String) throws -> (code: MarkingCode, text: String, tail: String) {
        let keys = try TestKeys(in: folder)
        let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
        let text = code.formatted()
        #expect(text.utf8.count == 85)
        return (code, text, code.tail!)
    }

    private func expectError(
        _ input: String, _ code: CodeFormatError.Code, at position: Int, mentioning fragment: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectError(bytes: Array(input.utf8), code, at: position, mentioning: fragment, sourceLocation: sourceLocation)
    }

    private func expectError(
        bytes input: [UInt8], _ code: CodeFormatError.Code, at position: Int, mentioning fragment: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: CodeFormatError.self, sourceLocation: sourceLocation) {
            try parser.parse(bytes: input)
        }
        guard let error else { return }
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.position == position, "\(error)", sourceLocation: sourceLocation)
        if let fragment {
            #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
        #expect(error.description.contains("at position \(error.position)"), sourceLocation: sourceLocation)
    }

    @Test func emptyInputIsRefusedAsEmpty() {
        expectError("", .empty, at: 1)
        expectError(" \r\n\t", .empty, at: 1)
    }

    @Test func wrongAIAtTheStartIsNamed() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            expectError("02" + text.dropFirst(2), .expectedAI, at: 1, mentioning: "expected AI 01")
            expectError("]d202" + text.dropFirst(2), .expectedAI, at: 4, mentioning: "'02'")
            expectError("(02)04607000000007(21)ABCDEFGHIJKLM", .expectedAI, at: 1, mentioning: "(01)")
            expectError("0", .expectedAI, at: 1)
        }
    }

    @Test func gtinWithALetterIsRefusedAtTheLetter() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let bad = "0104607A00000007" + text.dropFirst(16)
            expectError(bad, .gtinDigits, at: 8, mentioning: "'A' at digit 6")
            expectError("]C1" + bad, .gtinDigits, at: 11)
            expectError("(01)04607A00000007(21)ABCDEFGHIJKLM", .gtinDigits, at: 10)
            expectError("010460700000", .gtinDigits, at: 13, mentioning: "the end of the code")
        }
    }

    @Test func gtinWithABadCheckDigitIsRefusedNamingTheExpectedDigit() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let bad = "0104607000000008" + text.dropFirst(16)
            expectError(bad, .gtinCheckDigit, at: 16, mentioning: "expected 7")
            expectError(bytes: [0xE8] + Array(bad.utf8), .gtinCheckDigit, at: 17, mentioning: "expected 7")
        }
    }

    @Test(arguments: [("#", 4), ("~", 11), (" ", 3), ("\u{7F}", 1), ("é", 13)])
    func serialWithACharacterOutsideSet82IsRefusedAtThatCharacter(character: String, offset: Int) throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            var bytes = Array(text.utf8)
            bytes.replaceSubrange((18 + offset - 1)...(18 + offset - 1), with: Array(character.utf8))
            expectError(bytes: bytes, .serialCharacter, at: 18 + offset, mentioning: "not in GS1 character set 82")
        }
    }

    @Test func serialCharacterErrorQuotesThePrintableCharacter() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            expectError("0104607000000007" + "21ABC#EFGHIJKLM" + text.dropFirst(31), .serialCharacter, at: 22, mentioning: "'#'")
        }
    }

    @Test(arguments: [10, 1, 5, 8, 12, 14, 20])
    func serialOfUnsupportedLengthIsRefused(length: Int) throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let serial = String("ABCDEFGHIJKLMNOPQRSTU".prefix(length))
            let input = "0104607000000007" + "21" + serial + text.dropFirst(31)
            expectError(input, .serialLength, at: 19, mentioning: "\(length) characters")
            // The CIS alone and the human-readable form say the same.
            expectError("010460700000000721" + serial, .serialLength, at: 19)
            expectError("(01)04607000000007(21)\(serial)(91)K001(92)" + String(repeating: "A", count: 43) + "=", .serialLength, at: 23)
        }
    }

    @Test func missingSeparatorBefore91IsReportedWhereTheSeparatorBelongs() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let input = String(text.prefix(31)) + text.dropFirst(32)
            expectError(input, .expectedSeparator, at: 32, mentioning: "group separator")
            // A scanner that drops every separator gets the same answer.
            let noSeparators = text.replacingOccurrences(of: "\u{1D}", with: "")
            expectError(noSeparators, .expectedSeparator, at: 32, mentioning: "after the serial")
            expectError(bytes: [0xE8] + Array(noSeparators.utf8), .expectedSeparator, at: 33)
        }
    }

    @Test func missingSeparatorBefore93IsReportedWhereTheSeparatorBelongs() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEF", tail: .shortMAC)
            let input = code.cis.description + "93" + code.tail!
            expectError(input, .expectedSeparator, at: 25, mentioning: "group separator")
        }
    }

    @Test func missingSeparatorBefore92IsReportedWhereTheSeparatorBelongs() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let input = String(text.prefix(38)) + text.dropFirst(39)
            expectError(input, .expectedSeparator, at: 39, mentioning: "after the key id")
        }
    }

    @Test func wrongAIAfterTheSerialIsNamed() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            expectError(String(text.prefix(32)) + "94" + text.dropFirst(34), .expectedAI, at: 33, mentioning: "AI 91 or AI 93")
            expectError(String(text.prefix(39)) + "93" + text.dropFirst(41), .expectedAI, at: 40, mentioning: "AI 92")
        }
    }

    @Test func keyIDOutsideSet82IsRefused() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            expectError(String(text.prefix(36)) + "#" + text.dropFirst(37), .keyID, at: 37)
            expectError(String(text.prefix(36)), .keyID, at: 37, mentioning: "the end of the code")
        }
    }

    @Test(arguments: [0, 1, 3, 40, 43])
    func tailThatIsTooShortIsRefused(length: Int) throws {
        try withTemporaryDirectory { folder in
            let (_, text, tail) = try sample(folder)
            let input = String(text.prefix(41)) + tail.prefix(length)
            expectError(input, .tail, at: 42 + length, mentioning: "44 base64 characters")
        }
    }

    @Test func shortTailThatIsTooShortIsRefused() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFG", tail: .shortMAC)
            // 01 GTIN 21 (18) + 7 + GS + 93 = 28 bytes before the tail.
            let input = code.cis.description + "\u{1D}93" + code.tail!.prefix(3)
            expectError(input, .tail, at: 32, mentioning: "4 base64 characters")
        }
    }

    @Test(arguments: ["-", "_", "%", "!", "<", "\u{1D}"])
    func tailWithANonBase64CharacterIsRefusedAtThatCharacter(character: String) throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            var bytes = Array(text.utf8)
            bytes[41 + 9] = Array(character.utf8)[0]
            expectError(bytes: bytes, .tail, at: 51, mentioning: "character 10")
        }
    }

    @Test func paddingIsOnlyAcceptedAsTheLastTailCharacter() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            var bytes = Array(text.utf8)
            #expect(bytes.last == UInt8(ascii: "="))
            bytes[41] = UInt8(ascii: "=")
            expectError(bytes: bytes, .tail, at: 42)
        }
    }

    @Test(arguments: ["X", "\u{1D}", "<GS>", "=", "\u{1D}93ABCD", " X"])
    func trailingDataAfterTheTailIsRefused(garbage: String) throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            expectError(text + garbage, .trailingData, at: 86, mentioning: "after the end of the code")
        }
    }

    @Test func trailingDataAfterAShortTailIsRefused() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEF", tail: .shortMAC)
            let text = code.formatted()
            expectError(text + "Z", .trailingData, at: text.utf8.count + 1)
            expectError(code.humanReadable + "Z", .trailingData, at: code.humanReadable.utf8.count + 1)
        }
    }

    @Test func humanReadableErrorsPointIntoTheBracketedForm() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            // (01) 1–4, GTIN 5–18, (21) 19–22, serial 23–35, (91) 36–39, key 40–43, (92) 44–47, tail 48–91.
            let text = code.humanReadable
            #expect(text.utf8.count == 91)
            expectError(String(text.prefix(18)) + "(22)" + text.dropFirst(22), .expectedAI, at: 19)
            expectError(String(text.prefix(43)) + "(93)" + text.dropFirst(47), .expectedAI, at: 44, mentioning: "(92)")
            expectError(String(text.prefix(35)) + "(94)" + text.dropFirst(39), .expectedAI, at: 36, mentioning: "(91) or (93)")
            expectError(String(text.prefix(47 + 20)), .tail, at: 68)
            expectError(text + ")", .trailingData, at: 92)
        }
    }

    @Test func tooLongInputIsRefusedBeforeReadingIt() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let input = text + String(repeating: "A", count: CodeParser.maximumLength + 1 - text.utf8.count)
            #expect(input.utf8.count == 257)
            expectError(input, .tooLong, at: 257, mentioning: "256")
            expectError(String(repeating: "0", count: 10_000), .tooLong, at: 257)
            // Exactly at the limit the code is read and fails for its own reason.
            let atLimit = text + String(repeating: "A", count: CodeParser.maximumLength - text.utf8.count)
            expectError(atLimit, .trailingData, at: 86)
            // Blanks around the code do not count towards the limit.
            #expect(try parser.parse(String(repeating: " ", count: 200) + text + String(repeating: "\n", count: 200)).tail != nil)
        }
    }

    @Test func errorPositionsCountTheDeliveredPrefix() throws {
        try withTemporaryDirectory { folder in
            let (_, text, _) = try sample(folder)
            let bad = "0104607000000008" + text.dropFirst(16)
            expectError("]d2" + bad, .gtinCheckDigit, at: 19)
            expectError("è" + bad, .gtinCheckDigit, at: 18)
            expectError("  " + bad, .gtinCheckDigit, at: 18)
        }
    }
}
