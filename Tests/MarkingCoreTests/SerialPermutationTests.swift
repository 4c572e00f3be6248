import Crypto
import Foundation
import MarkingCore
import TestSupport
import Testing

/// A key ring with fixed secrets, so that permutations are the same on every run.
private func fixedRing(_ seed: UInt8 = 1) -> KeyRing {
    KeyRing(
        activeKeyID: "K001",
        tailKeys: ["K001": SymmetricKey(data: [UInt8](repeating: seed &+ 100, count: 32))],
        serialSecret: SymmetricKey(data: (0..<32).map { UInt8($0) &+ seed }))
}

private func power82(_ exponent: Int) -> UInt128 {
    (0..<exponent).reduce(UInt128(1)) { value, _ in value * 82 }
}

// Unchecked, so that a GTIN bug fails the GTIN tests instead of crashing this file.
private let gtin = GTIN(uncheckedValue: 4_607_000_000_007)
private let otherGTIN = GTIN(uncheckedValue: 5_901_234_123_457)

@Suite("Serial permutation and code keys")
struct SerialPermutationTests {
    @Test(arguments: [1, 2, 3])
    func permutationIsABijectionOnTheWholeSpace(length: Int) {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: length)
        let capacity = UInt64(power82(length))
        #expect(permutation.capacity == UInt128(capacity))
        #expect(permutation.counterLimit == capacity)
        var seen = Set<[UInt8]>()
        var inverseFailures = 0
        var identityPoints = 0
        for counter in 0..<capacity {
            let serial = permutation.serial(counter: counter)
            seen.insert(serial.bytes)
            if permutation.preimage(of: serial) != UInt128(counter) { inverseFailures += 1 }
            // The identity mapping would read the counter as base-82 digits.
            let plain = (0..<length).reduce(UInt64(0)) { value, index in
                value * 82 + UInt64(SerialAlphabet.digitValues[Int(serial.bytes[index])])
            }
            if plain == counter { identityPoints += 1 }
        }
        #expect(seen.count == Int(capacity))
        #expect(inverseFailures == 0)
        // A keyed permutation is not the identity (on average one fixed point).
        #expect(identityPoints < Int(capacity) / 10)
    }

    @Test(arguments: [6, 7, 13, 20])
    func preimageOfASerialIsItsCounter(length: Int) {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: length)
        var generator = SeededGenerator(state: UInt64(length))
        let limit = permutation.counterLimit
        let edges: [UInt64] = [0, 1, 2, 81, 82, 83, limit / 2, limit - 2, limit - 1]
        let randoms = (0..<3000).map { _ in UInt64.random(in: 0..<limit, using: &generator) }
        for counter in edges + randoms {
            let serial = permutation.serial(counter: counter)
            #expect(permutation.preimage(of: serial) == UInt128(counter), "counter \(counter) → \(serial)")
        }
    }

    @Test(arguments: [1, 2, 6, 7, 10, 13, 20])
    func serialsHaveTheTemplateLengthAndOnlySet82Characters(length: Int) {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: length)
        var generator = SeededGenerator(state: 99)
        var characters = Set<UInt8>()
        for _ in 0..<2000 {
            let counter = UInt64.random(in: 0..<permutation.counterLimit, using: &generator)
            let serial = permutation.serial(counter: counter)
            #expect(serial.bytes.count == length)
            #expect(serial.bytes.allSatisfy(SerialAlphabet.contains), "\(serial)")
            // Valid for the public initialiser too.
            #expect(throws: Never.self) { try Serial(serial.description) }
            characters.formUnion(serial.bytes)
        }
        // The whole alphabet is used, not a subset of it.
        #expect(characters.count == 82)
    }

    @Test(arguments: [6, 7, 13])
    func everySerialOfTheSpaceHasAPreimageThatMapsBack(length: Int) throws {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: length)
        var generator = SeededGenerator(state: 7)
        for _ in 0..<2000 {
            let bytes = (0..<length).map { _ in SerialAlphabet.characters[Int.random(in: 0..<82, using: &generator)] }
            let serial = Serial(validatedBytes: bytes)
            let preimage = try #require(permutation.preimage(of: serial))
            #expect(preimage < permutation.capacity)
            if preimage < UInt128(permutation.counterLimit) {
                #expect(permutation.serial(counter: UInt64(preimage)) == serial)
            }
        }
    }

    @Test func preimageOfASerialOfAnotherLengthIsNil() throws {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: 13)
        #expect(permutation.preimage(of: try Serial("ABCDEFG")) == nil)
        #expect(permutation.preimage(of: try Serial("ABCDEFGHIJKLMN")) == nil)
    }

    @Test func capacityIs82ToTheSerialLength() {
        for length in [1, 6, 7, 10, 11, 13, 20] {
            let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: length)
            #expect(permutation.capacity == power82(length), "length \(length)")
            let expectedLimit = power82(length) > UInt128(UInt64.max) ? UInt64.max : UInt64(power82(length))
            #expect(permutation.counterLimit == expectedLimit, "length \(length)")
        }
    }

    @Test(arguments: [6, 7, 13])
    func differentGTINsGiveDifferentSerialsForTheSameCounter(length: Int) {
        let first = SerialPermutation(keys: fixedRing(), gtin: gtin, length: length)
        let second = SerialPermutation(keys: fixedRing(), gtin: otherGTIN, length: length)
        let same = (UInt64(0)..<500).filter { first.serial(counter: $0) == second.serial(counter: $0) }
        #expect(same.isEmpty, "counters with equal serials: \(same)")
    }

    @Test func differentInstallationsGiveDifferentSerials() {
        let first = SerialPermutation(keys: fixedRing(1), gtin: gtin, length: 13)
        let second = SerialPermutation(keys: fixedRing(2), gtin: gtin, length: 13)
        let same = (UInt64(0)..<500).filter { first.serial(counter: $0) == second.serial(counter: $0) }
        #expect(same.isEmpty)
        // The same keys give the same serials: emission and lookup agree across restarts.
        let again = SerialPermutation(keys: fixedRing(1), gtin: gtin, length: 13)
        #expect((UInt64(0)..<500).allSatisfy { first.serial(counter: $0) == again.serial(counter: $0) })
    }

    @Test func consecutiveCountersGiveUnrelatedSerials() {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: 13)
        var sharedPrefixes = 0
        for counter in UInt64(0)..<1000 {
            let a = permutation.serial(counter: counter).bytes
            let b = permutation.serial(counter: counter + 1).bytes
            if a.prefix(6) == b.prefix(6) { sharedPrefixes += 1 }
        }
        #expect(sharedPrefixes == 0)
    }

    @Test func writeSerialWritesTheSameBytesAsSerial() {
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: 13)
        var buffer = [UInt8](repeating: 0, count: 13)
        for counter in UInt64(0)..<100 {
            buffer.withUnsafeMutableBufferPointer { permutation.writeSerial(counter: counter, to: $0.baseAddress!) }
            #expect(buffer == permutation.serial(counter: counter).bytes)
        }
    }

    // MARK: Code keys

    @Test func keyWidthFitsTheSerialSpace() {
        #expect(CodeKey.width(forSerialLength: 13) == 11)
        #expect(CodeKey.width(forSerialLength: 7) == 6)
        #expect(CodeKey.width(forSerialLength: 6) == 5)
        #expect(CodeKey.length(forSerialLength: 13) == 20)
        for length in 1...20 {
            let width = CodeKey.width(forSerialLength: length)
            let largest = power82(length) - 1
            // Wide enough for the largest preimage, and not a byte wider than needed.
            #expect(width == 16 || largest < UInt128(1) << (8 * width), "length \(length)")
            #expect(largest >= UInt128(1) << (8 * (width - 1)), "length \(length)")
        }
    }

    @Test(arguments: [1, 6, 7, 13, 20])
    func codeKeyDecodesToWhatWasEncoded(length: Int) throws {
        var generator = SeededGenerator(state: 3)
        let largest = power82(length) - 1
        let randoms = (0..<200).map { _ in
            let high = UInt128(UInt64.random(in: 0...UInt64.max, using: &generator))
            let low = UInt128(UInt64.random(in: 0...UInt64.max, using: &generator))
            return (high << 64 | low) % (largest + 1)
        }
        for candidate in [gtin, otherGTIN, GTIN(uncheckedValue: 0), GTIN(uncheckedValue: 99_999_999_999_997)] {
            for preimage in [0, 1, largest] + randoms {
                let key = CodeKey.make(gtin: candidate, serialLength: length, preimage: preimage)
                #expect(key.count == CodeKey.length(forSerialLength: length))
                #expect(Array(key.prefix(9)) == CodeKey.prefix(gtin: candidate, serialLength: length))
                let decoded = try #require(CodeKey.decode(key))
                #expect(decoded.gtin == candidate)
                #expect(decoded.serialLength == length)
                #expect(decoded.preimage == preimage)
                // The same bytes through the pointer API.
                var buffer = [UInt8](repeating: 0xAA, count: 32)
                let written = buffer.withUnsafeMutableBufferPointer {
                    CodeKey.write(gtin: candidate, serialLength: length, preimage: preimage, to: $0.baseAddress!)
                }
                #expect(Array(buffer[..<written]) == key)
                #expect(buffer[written...].allSatisfy { $0 == 0xAA })
            }
        }
    }

    @Test func codeKeyStartsWithTheGTINBigEndian() {
        let key = CodeKey.make(gtin: gtin, serialLength: 13, preimage: 0x0102)
        let value = key[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(value == 4_607_000_000_007)
        #expect(key[8] == 13)
        #expect(key.suffix(2) == [0x01, 0x02])
    }

    @Test func keysOfConsecutiveCountersSortInCounterOrder() {
        for length in [6, 7, 13] {
            let starts: [UInt128] = [0, 250, 65_530, 16_777_210, UInt128(UInt64.max) - 5]
            for start in starts where start + 12 < power82(length) {
                let keys = (start..<start + 12).map { CodeKey.make(gtin: gtin, serialLength: length, preimage: $0) }
                for (a, b) in zip(keys, keys.dropFirst()) {
                    #expect(a.lexicographicallyPrecedes(b), "length \(length), after \(CodeKey.decode(a)!.preimage)")
                }
            }
        }
        // Emission order is also key order through the permutation's inverse.
        let permutation = SerialPermutation(keys: fixedRing(), gtin: gtin, length: 13)
        let keys = (UInt64(1000)..<1300).map { counter in
            CodeKey.make(gtin: gtin, serialLength: 13, preimage: permutation.preimage(of: permutation.serial(counter: counter))!)
        }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func keysGroupByGTINThenSerialLength() {
        let small = CodeKey.make(gtin: gtin, serialLength: 13, preimage: power82(13) - 1)
        let larger = CodeKey.make(gtin: otherGTIN, serialLength: 6, preimage: 0)
        #expect(small.lexicographicallyPrecedes(larger))
        let short = CodeKey.make(gtin: gtin, serialLength: 7, preimage: power82(7) - 1)
        let long = CodeKey.make(gtin: gtin, serialLength: 13, preimage: 0)
        #expect(short.lexicographicallyPrecedes(long))
    }

    @Test func bytesThatAreNotACodeKeyDecodeToNil() {
        let valid = CodeKey.make(gtin: gtin, serialLength: 13, preimage: 42)
        #expect(CodeKey.decode(valid) != nil)
        #expect(CodeKey.decode([UInt8]()) == nil)
        #expect(CodeKey.decode(valid.dropLast()) == nil)
        #expect(CodeKey.decode(valid + [0]) == nil)
        var zeroLength = valid
        zeroLength[8] = 0
        #expect(CodeKey.decode(zeroLength) == nil)
        var tooLong = valid
        tooLong[8] = 21
        #expect(CodeKey.decode(tooLong) == nil)
        var otherLength = valid
        otherLength[8] = 7  // 7 characters need a 15-byte key, not 20.
        #expect(CodeKey.decode(otherLength) == nil)
    }
}
