import MarkingCore
import Testing

@Suite("GTIN")
struct GTINTests {
    @Test(arguments: [
        "04607000000007", "05901234123457", "04006381333931", "00000096385074",
        "00036000291452", "04601234567893", "12345678901231", "00000000000000", "99999999999997",
    ])
    func validGTINIsAcceptedAndKeepsItsDigits(text: String) throws {
        let gtin = try GTIN(text)
        #expect(gtin.description == text)
        #expect(gtin.value == UInt64(text))
        var digits = [UInt8](repeating: 0, count: 14)
        digits.withUnsafeMutableBufferPointer { gtin.writeDigits(to: $0.baseAddress!) }
        #expect(String(decoding: digits, as: UTF8.self) == text)
    }

    @Test func checkDigitFollowsTheGS1Mod10Rule() {
        // Weights 3,1,3,... from the right of the 13-digit body.
        #expect(GTIN.checkDigit(of: 400638133393) == 1)
        #expect(GTIN.checkDigit(of: 590123412345) == 7)
        #expect(GTIN.checkDigit(of: 9638507) == 4)
        #expect(GTIN.checkDigit(of: 3600029145) == 2)
        #expect(GTIN.checkDigit(of: 460700000000) == 7)
        #expect(GTIN.checkDigit(of: 0) == 0)
        #expect(GTIN.checkDigit(of: 9_999_999_999_999) == 7)
    }

    @Test(arguments: Array(0...9).filter { $0 != 7 })
    func wrongCheckDigitIsRefusedNamingTheExpectedDigit(digit: Int) {
        let text = "0460700000000\(digit)"
        let error = #expect(throws: MarkingError.self) { try GTIN(text) }
        #expect(error?.code == .gtinCheckDigit)
        #expect(error?.message.contains("expected 7") == true)
        #expect(error?.message.contains("check digit \(digit)") == true)
        #expect(error?.message.contains(text) == true)
    }

    @Test(arguments: ["0460700000000A", "04607OOOOOOOO7", "046070000000 7", "-4607000000007", "0460700000000７"])
    func nonDigitsAreRefusedAsInvalid(text: String) {
        let error = #expect(throws: MarkingError.self) { try GTIN(text) }
        #expect(error?.code == .invalidGTIN)
    }

    @Test func nonDigitIsNamedWithItsPosition() {
        let error = #expect(throws: MarkingError.self) { try GTIN("04607X00000007") }
        #expect(error?.code == .invalidGTIN)
        #expect(error?.message.contains("'X' at position 6") == true)
    }

    @Test(arguments: ["", "0460700000000", "046070000000071", "4607"])
    func wrongLengthIsRefusedAsInvalid(text: String) {
        let error = #expect(throws: MarkingError.self) { try GTIN(text) }
        #expect(error?.code == .invalidGTIN)
        #expect(error?.message.contains("expected 14 digits") == true)
    }

    @Test func thirteenDigitGTINIsRefusedWithAPaddingHint() throws {
        let error = #expect(throws: MarkingError.self) { try GTIN("4607000000007") }
        #expect(error?.code == .invalidGTIN)
        #expect(error?.message.contains("GTIN-13") == true)
        #expect(error?.message.contains("padded with leading zeros") == true)
    }

    @Test func shortNonDigitInputGetsNoPaddingHint() {
        let error = #expect(throws: MarkingError.self) { try GTIN("460700000000X") }
        #expect(error?.code == .invalidGTIN)
        #expect(error?.message.contains("padded") == false)
    }

    @Test(arguments: [
        ("4607000000007", "04607000000007"),
        ("4006381333931", "04006381333931"),
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("05901234123457", "05901234123457"),
    ])
    func paddingAcceptsShortGTINs(short: String, padded: String) throws {
        let gtin = try GTIN(padding: short)
        #expect(gtin.description == padded)
        #expect(gtin == (try GTIN(padded)))
    }

    @Test func paddingStillChecksTheCheckDigit() {
        let error = #expect(throws: MarkingError.self) { try GTIN(padding: "4607000000008") }
        #expect(error?.code == .gtinCheckDigit)
        #expect(error?.message.contains("expected 7") == true)
    }

    @Test(arguments: ["1234567", "123456789", "12345678901", "046070000000071", ""])
    func paddingRefusesOtherLengths(text: String) {
        let error = #expect(throws: MarkingError.self) { try GTIN(padding: text) }
        #expect(error?.code == .invalidGTIN)
    }

    @Test func gtinsSortByTheirNumber() throws {
        let small = try GTIN("00000096385074")
        let large = try GTIN("04607000000007")
        #expect(small < large)
        #expect(!(large < small))
    }
}
