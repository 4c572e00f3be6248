import Crypto
import Foundation

/// Computes and verifies crypto tails: HMAC-SHA256 of the CIS under a key of the ring.
///
/// The HMAC of every key is set up once (inner and outer pads hashed) and copied per
/// code, which is about three times faster than keying per call. Tails are recomputed,
/// never stored.
public struct TailSigner: Sendable {
    private let prekeyed: [String: KeyedTailSigner]
    /// The id of the key that signs new codes.
    public let activeKeyID: String

    public init(keys: KeyRing) {
        var prekeyed: [String: KeyedTailSigner] = [:]
        for (id, key) in keys.tailKeys { prekeyed[id] = KeyedTailSigner(keyID: id, key: key) }
        self.prekeyed = prekeyed
        self.activeKeyID = keys.activeKeyID
    }

    /// A signer bound to one key, for hot loops that sign many codes.
    public func keyed(_ keyID: String) -> KeyedTailSigner? {
        prekeyed[keyID]
    }

    /// The tail of `cis` for `kind` under key `keyID`, or `nil` for an unknown key.
    public func tail(for cis: CIS, kind: TailKind, keyID: String) -> String? {
        keyed(keyID)?.tail(for: cis, kind: kind)
    }

    /// Whether `code` carries the tail its CIS should have. `keyID` names the key for
    /// AI 93 codes, which do not carry it (it comes from the stored record); for AI 92
    /// codes the key id in AI 91 is used.
    public func verify(_ code: MarkingCode, keyID storedKeyID: String? = nil) -> TailVerification {
        guard let kind = code.tailKind, let tail = code.tail else { return .noTail }
        guard let keyID = code.keyID ?? storedKeyID else { return .unknownKey }
        guard let signer = keyed(keyID) else { return .unknownKey }
        // In stack buffers and in constant time: every public check comes through here.
        return signer.matches(code.cis, tail: tail, kind: kind) ? .valid : .invalid
    }
}

/// The outcome of checking a code's tail.
public enum TailVerification: String, Sendable {
    /// The tail matches: the operator issued this code.
    case valid
    /// The tail does not match: a forged or damaged code.
    case invalid
    /// The code names a key this installation does not have.
    case unknownKey
    /// The code was given without a tail (CIS only), so nothing could be verified.
    case noTail
    /// The code was given without the tail its template carries: a known CIS whose
    /// tail was cut off (or never printed). Whether it is genuine cannot be told, so it
    /// is not reported genuine: a CIS alone is easy to copy from any package.
    case missing
}

/// A ``TailSigner`` bound to one key: the per-code inner loop of emission and download.
public struct KeyedTailSigner: Sendable {
    public let keyID: String
    /// SHA-256 states after the key XOR ipad and the key XOR opad blocks (RFC 2104):
    /// HMAC set up once, so each code costs two SHA-256 finalisations and no generic
    /// `DataProtocol` plumbing.
    let inner: SHA256
    let outer: SHA256

    init(keyID: String, key: SymmetricKey) {
        self.keyID = keyID
        var block = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { bytes in
            if bytes.count > 64 {
                let digest = SHA256.hash(data: bytes)
                digest.withUnsafeBytes { for (index, byte) in $0.enumerated() { block[index] = byte } }
            } else {
                for (index, byte) in bytes.enumerated() { block[index] = byte }
            }
        }
        var inner = SHA256()
        var outer = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    /// The tail of `cis` (not for hot loops: it allocates).
    public func tail(for cis: CIS, kind: TailKind) -> String {
        var output = [UInt8](repeating: 0, count: 44)
        let count = cis.bytes.withUnsafeBytes { cis in
            output.withUnsafeMutableBufferPointer { writeTail(of: cis, kind: kind, to: $0.baseAddress!) }
        }
        return String(decoding: output[..<count], as: UTF8.self)
    }

    /// Whether `tail` is the tail of `cis`, computed in stack buffers: the check that
    /// batch jobs run on every code that arrives with its tail.
    public func matches(_ cis: CIS, tail: String, kind: TailKind) -> Bool {
        let serial = cis.serial.bytes
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 18 + serial.count + 44) { buffer in
            let base = buffer.baseAddress!
            base[0] = UInt8(ascii: "0")
            base[1] = UInt8(ascii: "1")
            cis.gtin.writeDigits(to: base + 2)
            base[16] = UInt8(ascii: "2")
            base[17] = UInt8(ascii: "1")
            for (offset, byte) in serial.enumerated() { base[18 + offset] = byte }
            let cisLength = 18 + serial.count
            // The first `cisLength` bytes are initialised above; the tail is written after them.
            let count = writeTail(of: UnsafeRawBufferPointer(start: base, count: cisLength), kind: kind, to: base + cisLength)
            var difference: UInt8 = 0
            var given = 0
            for byte in tail.utf8 {
                guard given < count else { return false }
                difference |= byte ^ base[cisLength + given]
                given += 1
            }
            return given == count && difference == 0
        }
    }

    /// Writes the tail of the CIS bytes `cis` to `destination` (room for 44 bytes) and
    /// returns how many bytes it wrote: 44 for AI 92, 4 for AI 93.
    @inline(__always)
    public func writeTail(of cis: UnsafeRawBufferPointer, kind: TailKind, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        var innerHash = inner
        innerHash.update(bufferPointer: cis)
        var outerHash = outer
        innerHash.finalize().withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        return outerHash.finalize().withUnsafeBytes { bytes in
            switch kind {
            case .keyIdAndMAC:
                return Base64.encode(bytes, into: destination)
            case .shortMAC:
                return Base64.encode(UnsafeRawBufferPointer(rebasing: bytes[0..<3]), into: destination)
            }
        }
    }
}
