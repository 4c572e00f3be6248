import Crypto

/// A keyed bijection between counters and serials of one GTIN and serial length.
///
/// The serial space is every string of `length` characters of set 82, read as a number
/// in base 82. It is split into a left half of `length / 2` digits and a right half of
/// the rest, and scrambled by a 10-round Feistel network over those mixed radices, as
/// FF1 does: each round adds a keyed hash of one half to the other, modulo the other's
/// radix. That is a bijection onto exactly `82^length` values, so no cycle-walking is
/// needed and every half fits in 64 bits (up to 20 characters).
///
/// Distinct counters therefore give distinct serials with no read, and the inverse
/// recovers the counter from a scanned serial, which is how a code finds its record.
/// The round function is a keyed 64-bit mixer, not a block cipher: serial
/// unpredictability is defence in depth, the HMAC tail is what proves a code genuine.
public struct SerialPermutation: Sendable {
    /// The GTIN whose serials this permutes.
    public let gtin: GTIN
    /// Serial characters.
    public let length: Int
    let rightDigits: Int
    let leftRadix: UInt64
    let rightRadix: UInt64
    /// Inline, not an array: a permutation is copied per line in batch jobs, and a
    /// value with no reference inside copies without retain and release.
    let roundKeys: InlineArray<10, UInt64>

    static var rounds: Int { 10 }

    /// Derives the round keys for `gtin` and `length` from the installation's serial secret.
    public init(keys: KeyRing, gtin: GTIN, length: Int) {
        precondition((1...20).contains(length), "serial length must be 1...20")
        self.gtin = gtin
        self.length = length
        let leftDigits = length / 2
        rightDigits = length - leftDigits
        leftRadix = Self.power(leftDigits)
        rightRadix = Self.power(rightDigits)
        var label = Array("serial-permutation".utf8)
        withUnsafeBytes(of: gtin.value.bigEndian) { label.append(contentsOf: $0) }
        label.append(UInt8(length))
        let digest = Array(HMAC<SHA256>.authenticationCode(for: label, using: keys.serialSecret))
        var seed: [UInt64] = (0..<4).map { word in
            digest[word * 8..<word * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        var roundKeys = InlineArray<10, UInt64>(repeating: 0)
        for round in 0..<Self.rounds {
            seed[round % 4] = Self.mix(seed[round % 4] &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(round + 1))
            roundKeys[round] = seed[round % 4]
        }
        self.roundKeys = roundKeys
    }

    static func power(_ exponent: Int) -> UInt64 {
        (0..<exponent).reduce(1) { value, _ in value * SerialAlphabet.radix }
    }

    /// How many serials exist: `82^length` (as a 128-bit number: above 2^64 from 11 characters).
    public var capacity: UInt128 { UInt128(leftRadix) * UInt128(rightRadix) }

    /// The highest counter plus one that emission may use: the capacity, capped to 64 bits.
    public var counterLimit: UInt64 {
        capacity > UInt128(UInt64.max) ? UInt64.max : UInt64(capacity)
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The keyed round function, reduced into `[0, radix)` by a multiply-high (Lemire's
    /// reduction) instead of a division.
    @inline(__always)
    func round(_ index: Int, _ value: UInt64, radix: UInt64) -> UInt64 {
        Self.mix(value ^ roundKeys[index]).multipliedFullWidth(by: radix).high
    }

    @inline(__always)
    static func addMod(_ x: UInt64, _ y: UInt64, _ modulus: UInt64) -> UInt64 {
        let sum = x &+ y
        return (sum < x || sum >= modulus) ? sum &- modulus : sum
    }

    /// Maps the point `(left, right)` of the serial space forward.
    @inline(__always)
    func permute(left: UInt64, right: UInt64) -> (UInt64, UInt64) {
        var a = left, b = right
        var radixA = leftRadix, radixB = rightRadix
        for index in 0..<Self.rounds {
            let c = Self.addMod(a, round(index, b, radix: radixA), radixA)
            a = b
            b = c
            swap(&radixA, &radixB)
        }
        return (a, b)
    }

    /// Maps the point `(left, right)` back: the inverse of ``permute(left:right:)``.
    func invert(left: UInt64, right: UInt64) -> (UInt64, UInt64) {
        var a = left, b = right
        var radixA = leftRadix, radixB = rightRadix
        for index in (0..<Self.rounds).reversed() {
            swap(&radixA, &radixB)
            let previousB = a
            let f = round(index, previousB, radix: radixA)
            a = b >= f ? b - f : b &+ (radixA - f)
            b = previousB
        }
        return (a, b)
    }

    /// Writes the serial of `counter` (which must be below ``counterLimit``) as `length`
    /// ASCII bytes to `destination`.
    @inline(__always)
    public func writeSerial(counter: UInt64, to destination: UnsafeMutablePointer<UInt8>) {
        let (left, right) = permute(left: counter / rightRadix, right: counter % rightRadix)
        SerialAlphabet.characters.withUnsafeBufferPointer { alphabet in
            var value = right
            for index in stride(from: length - 1, through: length - rightDigits, by: -1) {
                destination[index] = alphabet[Int(value % 82)]
                value /= 82
            }
            value = left
            for index in stride(from: length - rightDigits - 1, through: 0, by: -1) {
                destination[index] = alphabet[Int(value % 82)]
                value /= 82
            }
        }
    }

    /// The serial of `counter`.
    public func serial(counter: UInt64) -> Serial {
        var bytes = [UInt8](repeating: 0, count: length)
        bytes.withUnsafeMutableBufferPointer { writeSerial(counter: counter, to: $0.baseAddress!) }
        return Serial(validatedBytes: bytes)
    }

    /// The serial whose preimage is `preimage` (any point of the space, not only a
    /// counter below 2^64): the inverse of ``preimage(of:)``.
    public func serial(preimage: UInt128) -> Serial {
        let (left, right) = permute(left: UInt64(preimage / UInt128(rightRadix)), right: UInt64(preimage % UInt128(rightRadix)))
        var bytes = [UInt8](repeating: 0, count: length)
        var value = right
        for index in stride(from: length - 1, through: length - rightDigits, by: -1) {
            bytes[index] = SerialAlphabet.characters[Int(value % 82)]
            value /= 82
        }
        value = left
        for index in stride(from: length - rightDigits - 1, through: 0, by: -1) {
            bytes[index] = SerialAlphabet.characters[Int(value % 82)]
            value /= 82
        }
        return Serial(validatedBytes: bytes)
    }

    /// ``preimage(of:)`` for serial bytes already known to be of this length and in
    /// set 82, read in place (the batch-job fast path).
    @inline(__always)
    public func preimage(ofBytes serial: UnsafeRawBufferPointer) -> UInt128 {
        var left: UInt64 = 0
        var right: UInt64 = 0
        for index in 0..<length {
            let digit = UInt64(SerialAlphabet.digit(serial[index]))
            if index < length - rightDigits { left = left * 82 + digit } else { right = right * 82 + digit }
        }
        let (a, b) = invert(left: left, right: right)
        return UInt128(a) * UInt128(rightRadix) + UInt128(b)
    }

    /// The point of the serial space that maps onto `serial`, as one number: the
    /// counter that emission used for it, or, for a serial no emission produced, the
    /// counter emission must never use. `nil` when the serial has another length.
    public func preimage(of serial: Serial) -> UInt128? {
        guard serial.bytes.count == length else { return nil }
        var left: UInt64 = 0
        var right: UInt64 = 0
        for (index, byte) in serial.bytes.enumerated() {
            let digit = UInt64(SerialAlphabet.digitValues[Int(byte)])
            if index < length - rightDigits { left = left * 82 + digit } else { right = right * 82 + digit }
        }
        let (a, b) = invert(left: left, right: right)
        return UInt128(a) * UInt128(rightRadix) + UInt128(b)
    }
}
