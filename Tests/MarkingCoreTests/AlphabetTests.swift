import Testing

@testable import MarkingCore

/// The mask-based membership and digit functions of the hot loops agree with the
/// character lists they stand for, byte by byte.
@Suite("Alphabets")
struct AlphabetTests {
    @Test func serialMembershipIsExactlyGS1Set82() {
        let set82 = Set(SerialAlphabet.characters)
        #expect(set82.count == 82)
        for byte in 0...255 {
            #expect(SerialAlphabet.contains(UInt8(byte)) == set82.contains(UInt8(byte)), "byte \(byte)")
        }
    }

    @Test func serialDigitIsThePositionInSet82() {
        for (position, byte) in SerialAlphabet.characters.enumerated() {
            #expect(SerialAlphabet.digit(byte) == UInt8(position), "byte \(byte)")
            #expect(SerialAlphabet.digitValues[Int(byte)] == UInt8(position))
        }
    }

    @Test func base64MembershipIsExactlyTheSixtyFourCharacters() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for byte in 0...255 {
            #expect(Base64.isAlphabet(UInt8(byte)) == alphabet.contains(UInt8(byte)), "byte \(byte)")
        }
        #expect(!Base64.isAlphabet(UInt8(ascii: "=")))
    }
}
