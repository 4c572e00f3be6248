import Dispatch
import MarkingCore
import Synchronization

/// The lines of a document's code list, read in parallel before the commit order is
/// taken: each a code (with what is known of its tail), an SSCC, or a fault.
extension JobEngine {
    /// What one line of a code list turned out to be.
    enum Line {
        /// A marking code (a unit, or a group package's own code).
        case code(CodeRef, tail: TailCheck)
        /// A transport package.
        case sscc(String)
        case malformed(String)
    }

    /// What is known about a line's tail before the record is read.
    enum TailCheck: Sendable {
        case none, valid, invalid
        /// An AI 93 tail (its 4 characters packed), verified once the record names the key.
        case short(UInt32)

        /// Packs the 4 characters of an AI 93 tail.
        static func pack<S: Sequence>(_ tail: S) -> UInt32 where S.Element == UInt8 {
            var packed: UInt32 = 0
            var count = 0
            for byte in tail {
                if count < 4 { packed |= UInt32(byte) << (8 * UInt32(count)) }
                count += 1
            }
            return count == 4 ? packed : 0
        }
    }

    /// Parses every line, in parallel over contiguous slices of the list.
    func parse(_ codes: CodeList, progress: JobProgress?) -> [Line] {
        let count = codes.count
        let shards = min(parseShards, max(1, count / 10_000))
        let results = Mutex<[[Line]]>(Array(repeating: [], count: shards))
        DispatchQueue.concurrentPerform(iterations: shards) { shard in
            let range = (count * shard / shards)..<(count * (shard + 1) / shards)
            var lines: [Line] = []
            lines.reserveCapacity(range.count)
            var reader = LineReader(store: store)
            for index in range {
                lines.append(reader.read(codes.line(index)))
                if index % 8_192 == 0 { progress?.add(8_192) }
            }
            results.withLock { $0[shard] = lines }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    func parseLine(_ line: ArraySlice<UInt8>) -> Line {
        var reader = LineReader(store: store)
        return reader.read(line)
    }

    /// Reads lines into ``Line``s, keeping the permutation and signer of the last
    /// GTIN and key it saw, since the lines of one document mostly share both.
    struct LineReader {
        let store: MarkingStore
        private let serialLengths: [Int]
        private var permutation: SerialPermutation?
        private var signer: KeyedTailSigner?
        /// The 4 key id bytes `signer` was looked up for.
        private var signerKey: UInt32 = 0

        init(store: MarkingStore) {
            self.store = store
            serialLengths = store.catalog.serialLengths
        }

        mutating func read(_ line: ArraySlice<UInt8>) -> Line {
            if let fast = readCanonical(line) { return fast }
            do {
                if let sscc = try PackageLabel.sscc(from: line) { return .sscc(sscc) }
            } catch {
                return .malformed(error.message)
            }
            let code: MarkingCode
            do {
                code = try store.parser.parse(bytes: Array(line))
            } catch {
                return .malformed(error.description)
            }
            let cis = code.cis
            let length = cis.serial.bytes.count
            if permutation == nil || permutation!.gtin != cis.gtin || permutation!.length != length {
                permutation = store.permutation(gtin: cis.gtin, serialLength: length)
            }
            let ref = CodeRef(gtin: cis.gtin, serialLength: length, preimage: permutation!.preimage(of: cis.serial)!)
            switch code.tailKind {
            case nil:
                return .code(ref, tail: .none)
            case .shortMAC?:
                return .code(ref, tail: .short(TailCheck.pack((code.tail ?? "").utf8)))
            case .keyIdAndMAC?:
                guard let keyID = code.keyID, let tail = code.tail else { return .code(ref, tail: .invalid) }
                if signer?.keyID != keyID { signer = store.signer.keyed(keyID) }
                guard let signer else { return .code(ref, tail: .invalid) }
                return .code(ref, tail: signer.matches(cis, tail: tail, kind: .keyIdAndMAC) ? .valid : .invalid)
            }
        }

        /// Reads a line in the exact shape this engine writes (`01`, 14 digits, `21`,
        /// serial, then 0x1D `91` key 0x1D `92` tail, or 0x1D `93` tail, or nothing)
        /// in place, without a copy or an allocation, verifying the tail over the
        /// line's own CIS bytes. Returns `nil` for anything else, which then goes
        /// through the full parser (and its precise errors).
        mutating func readCanonical(_ line: ArraySlice<UInt8>) -> Line? {
            line.withUnsafeBytes { bytes -> Line? in
                let count = bytes.count
                guard count >= 24, bytes[0] == 0x30, bytes[1] == 0x31 else { return nil }
                var kind: TailKind?
                var serialLength = 0
                for length in serialLengths {
                    let cis = 18 + length
                    if count == cis + 54, bytes[cis] == 0x1D, bytes[cis + 1] == 0x39, bytes[cis + 2] == 0x31,
                       bytes[cis + 7] == 0x1D, bytes[cis + 8] == 0x39, bytes[cis + 9] == 0x32
                    {
                        kind = .keyIdAndMAC
                    } else if count == cis + 7, bytes[cis] == 0x1D, bytes[cis + 1] == 0x39, bytes[cis + 2] == 0x33 {
                        kind = .shortMAC
                    } else if count != cis {
                        continue
                    }
                    serialLength = length
                    break
                }
                guard serialLength > 0, bytes[16] == 0x32, bytes[17] == 0x31 else { return nil }
                var gtinValue: UInt64 = 0
                for index in 2..<16 {
                    let digit = bytes[index] &- 48
                    guard digit < 10 else { return nil }
                    gtinValue = gtinValue * 10 + UInt64(digit)
                }
                guard gtinValue % 10 == GTIN.checkDigit(of: gtinValue / 10) else { return nil }
                let serial = UnsafeRawBufferPointer(rebasing: bytes[18..<18 + serialLength])
                guard serial.allSatisfy(SerialAlphabet.contains) else { return nil }
                let gtin = GTIN(uncheckedValue: gtinValue)
                let current: SerialPermutation
                if let permutation, permutation.gtin == gtin, permutation.length == serialLength {
                    current = permutation
                } else {
                    current = store.permutation(gtin: gtin, serialLength: serialLength)
                    permutation = current
                }
                let ref = CodeRef(gtin: gtin, serialLength: serialLength, preimage: current.preimage(ofBytes: serial))
                let cisLength = 18 + serialLength
                switch kind {
                case nil:
                    return .code(ref, tail: .none)
                case .shortMAC?:
                    let tail = UnsafeRawBufferPointer(rebasing: bytes[(cisLength + 3)...])
                    guard tail.allSatisfy(Base64.isAlphabet) else { return nil }
                    return .code(ref, tail: .short(TailCheck.pack(tail)))
                case .keyIdAndMAC?:
                    let keyBytes = UnsafeRawBufferPointer(rebasing: bytes[(cisLength + 3)..<(cisLength + 7)])
                    let given = UnsafeRawBufferPointer(rebasing: bytes[(cisLength + 10)...])
                    guard keyBytes.allSatisfy(SerialAlphabet.contains) else { return nil }
                    let packedKey = keyBytes.loadUnaligned(as: UInt32.self)
                    if packedKey != signerKey {
                        signer = store.signer.keyed(String(decoding: keyBytes, as: UTF8.self))
                        signerKey = packedKey
                    }
                    let matches = signer.map { signer in
                        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 44) { expected in
                            // The CIS is the line's own first `cisLength` bytes.
                            let written = signer.writeTail(
                                of: UnsafeRawBufferPointer(rebasing: bytes[0..<cisLength]), kind: .keyIdAndMAC,
                                to: expected.baseAddress!)
                            var difference: UInt8 = 0
                            for index in 0..<written { difference |= expected[index] ^ given[index] }
                            return difference == 0
                        }
                    } ?? false
                    // A tail equal to the computed one is base64 by construction, so its
                    // alphabet is only looked at when it differs: a forged tail is refused
                    // as forged, a tail that is not base64 goes to the full parser.
                    if matches { return .code(ref, tail: .valid) }
                    guard given.dropLast().allSatisfy(Base64.isAlphabet),
                          given.last == UInt8(ascii: "=") || Base64.isAlphabet(given.last!)
                    else { return nil }
                    return .code(ref, tail: .invalid)
                }
            }
        }
    }

}
