import Crypto
import Foundation
import MarkingCore
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The key file as plain JSON, read without the engine's own decoder.
private struct RawKeyFile {
    let activeKeyID: String
    let serialSecret: String
    /// Base64 secrets by key id.
    let secrets: [String: String]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        activeKeyID = try #require(object["activeKeyID"] as? String)
        serialSecret = try #require(object["serialSecret"] as? String)
        let keys = try #require(object["keys"] as? [[String: Any]])
        var secrets: [String: String] = [:]
        for key in keys {
            secrets[try #require(key["id"] as? String)] = try #require(key["secret"] as? String)
        }
        self.secrets = secrets
    }

    /// Every secret in the file, as base64 and as a few other spellings a leak could take.
    var secretSpellings: [String] {
        (Array(secrets.values) + [serialSecret]).flatMap { secret -> [String] in
            guard let bytes = Data(base64Encoded: secret) else { return [secret] }
            let hex = bytes.map { String(format: "%02x", $0) }.joined()
            let decimal = bytes.map(String.init).joined(separator: ", ")
            return [secret, String(secret.prefix(16)), hex, String(hex.prefix(16)), decimal]
        }
    }

    /// The tail computed with swift-crypto directly from the file's secret.
    func expectedMAC(of cis: CIS, keyID: String) throws -> [UInt8] {
        let text = try #require(secrets[keyID])
        let secret = try #require(Data(base64Encoded: text))
        let key = SymmetricKey(data: secret)
        return Array(HMAC<SHA256>.authenticationCode(for: Data(cis.description.utf8), using: key))
    }
}

private func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}

private func randomSecret() -> String {
    Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
}

private func sampleCIS(_ serial: String = "ABCDEFGHIJKLM") throws -> CIS {
    CIS(gtin: try GTIN(SampleGTIN.russian), serial: try Serial(serial))
}

@Suite("Crypto tails and keys")
struct TailTests {
    // MARK: Tails

    @Test(arguments: ["ABCDEFGHIJKLM", "ab<GS>(91)/%\"", "!!!!!!!!!!!!!"])
    func longTailIsTheBase64HMACOfTheCIS(serial: String) throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let raw = try RawKeyFile(path: keys.path)
            let cis = try sampleCIS(serial)
            let tail = try #require(keys.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: keys.ring.activeKeyID))
            #expect(tail.utf8.count == 44)
            let mac = try raw.expectedMAC(of: cis, keyID: keys.ring.activeKeyID)
            #expect(tail == Data(mac).base64EncodedString())
            #expect(tail.utf8.allSatisfy(SerialAlphabet.contains))
            // The MAC covers the CIS bytes exactly as printed.
            #expect(cis.bytes == Array(cis.description.utf8))
            #expect(cis.description == "01\(SampleGTIN.russian)21\(serial)")
        }
    }

    @Test(arguments: ["ABCDEFG", "(93)<>"])
    func shortTailIsTheBase64OfTheFirstThreeMACBytes(serial: String) throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let raw = try RawKeyFile(path: keys.path)
            let cis = try sampleCIS(serial)
            let tail = try #require(keys.signer.tail(for: cis, kind: .shortMAC, keyID: keys.ring.activeKeyID))
            #expect(tail.utf8.count == 4)
            let mac = try raw.expectedMAC(of: cis, keyID: keys.ring.activeKeyID)
            #expect(tail == Data(mac.prefix(3)).base64EncodedString())
            #expect(tail.utf8.allSatisfy(SerialAlphabet.contains))
        }
    }

    @Test func keyedSignerWritesTheSameTailsAsTheSigner() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let keyed = try #require(keys.signer.keyed(keys.ring.activeKeyID))
            #expect(keyed.keyID == keys.ring.activeKeyID)
            #expect(keys.signer.keyed("K999") == nil)
            for serial in ["ABCDEFGHIJKLM", "ZZZZZZZZZZZZZ", "0000000000000"] {
                let cis = try sampleCIS(serial)
                for kind in [TailKind.keyIdAndMAC, .shortMAC] {
                    var buffer = [UInt8](repeating: 0, count: 44)
                    let count = cis.bytes.withUnsafeBytes { source in
                        buffer.withUnsafeMutableBufferPointer { keyed.writeTail(of: source, kind: kind, to: $0.baseAddress!) }
                    }
                    #expect(count == (kind == .keyIdAndMAC ? 44 : 4))
                    let expected = keys.signer.tail(for: cis, kind: kind, keyID: keys.ring.activeKeyID)
                    #expect(String(decoding: buffer[..<count], as: UTF8.self) == expected)
                }
            }
        }
    }

    @Test func base64EncoderMatchesFoundation() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }
            let encoded = Base64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(Base64.decode(encoded) == bytes)
        }
        #expect(Base64.decode("abc") == nil)
        #expect(Base64.decode("ab-_") == nil)
    }

    @Test func genuineCodesVerify() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let long = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            #expect(keys.signer.verify(long) == .valid)
            let short = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFG", tail: .shortMAC)
            // AI 93 codes carry no key id: it comes from the stored record.
            #expect(keys.signer.verify(short, keyID: keys.ring.activeKeyID) == .valid)
            #expect(keys.signer.verify(short) == .unknownKey)
            #expect(keys.signer.verify(MarkingCode(cis: long.cis)) == .noTail)
        }
    }

    @Test func tamperedTailFailsVerification() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let long = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            let short = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFG", tail: .shortMAC)
            for (code, storedKeyID) in [(long, nil), (short, keys.ring.activeKeyID)] as [(MarkingCode, String?)] {
                let tail = Array(try #require(code.tail).utf8)
                for position in tail.indices {
                    var tampered = tail
                    tampered[position] = tampered[position] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                    let forged = MarkingCode(
                        cis: code.cis, keyID: code.keyID, tail: String(decoding: tampered, as: UTF8.self),
                        tailKind: code.tailKind)
                    #expect(keys.signer.verify(forged, keyID: storedKeyID) == .invalid, "tail character \(position + 1)")
                }
                // A truncated tail is not accepted either.
                let truncated = MarkingCode(
                    cis: code.cis, keyID: code.keyID, tail: String(decoding: tail.dropLast(), as: UTF8.self),
                    tailKind: code.tailKind)
                #expect(keys.signer.verify(truncated, keyID: storedKeyID) == .invalid)
            }
        }
    }

    @Test func tailOfAnotherCodeFailsVerification() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let original = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            let otherSerial = MarkingCode(
                cis: try sampleCIS("ABCDEFGHIJKLN"), keyID: original.keyID, tail: original.tail, tailKind: .keyIdAndMAC)
            #expect(keys.signer.verify(otherSerial) == .invalid)
            let otherGTIN = MarkingCode(
                cis: CIS(gtin: try GTIN(SampleGTIN.other), serial: original.cis.serial),
                keyID: original.keyID, tail: original.tail, tailKind: .keyIdAndMAC)
            #expect(keys.signer.verify(otherGTIN) == .invalid)
            // The short tail of the same CIS is not a valid long tail.
            let shortTail = try #require(keys.signer.tail(for: original.cis, kind: .shortMAC, keyID: keys.ring.activeKeyID))
            let mixed = MarkingCode(cis: original.cis, keyID: original.keyID, tail: shortTail, tailKind: .keyIdAndMAC)
            #expect(keys.signer.verify(mixed) == .invalid)
        }
    }

    @Test func unknownKeyIDIsReportedAsUnknownKey() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            let renamed = MarkingCode(cis: code.cis, keyID: "K999", tail: code.tail, tailKind: .keyIdAndMAC)
            #expect(keys.signer.verify(renamed) == .unknownKey)
            #expect(keys.signer.tail(for: code.cis, kind: .keyIdAndMAC, keyID: "K999") == nil)
        }
    }

    @Test func differentInstallationsSignDifferently() throws {
        try withTemporaryDirectory { folder in
            try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: folder + "/b", withIntermediateDirectories: false)
            let first = try TestKeys(in: folder + "/a")
            let second = try TestKeys(in: folder + "/b")
            let code = try first.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            #expect(first.ring.activeKeyID == second.ring.activeKeyID)
            #expect(second.signer.verify(code) == .invalid)
        }
    }

    // MARK: Key file and rotation

    @Test func keyFileIsCreatedWithMode0600() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/keys.json"
            let ring = try KeyFile.loadOrCreate(at: path)
            #expect(ring.activeKeyID == "K001")
            #expect(ring.keyIDs == ["K001"])
            #expect(try permissions(of: path) == 0o600)
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o7777 == 0o600)
            #expect(info.st_mode & 0o170000 == 0o100000)  // a regular file
            // No temporary file is left next to it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keys.json"])

            try KeyFile.rotate(at: path)
            #expect(try permissions(of: path) == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keys.json"])
        }
    }

    @Test func keyFileModeDoesNotDependOnTheUmask() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/keys.json"
            // A permissive umask must not make the file readable by others.
            let previous = umask(0)
            defer { umask(previous) }
            _ = try KeyFile.loadOrCreate(at: path)
            #expect(try permissions(of: path) == 0o600)
        }
    }

    @Test func freshKeyFileHoldsDistinctRandomSecrets() throws {
        try withTemporaryDirectory { folder in
            _ = try KeyFile.loadOrCreate(at: folder + "/a.json")
            _ = try KeyFile.loadOrCreate(at: folder + "/b.json")
            let a = try RawKeyFile(path: folder + "/a.json")
            let b = try RawKeyFile(path: folder + "/b.json")
            #expect(a.secrets["K001"] != b.secrets["K001"])
            #expect(a.serialSecret != b.serialSecret)
            #expect(a.secrets["K001"] != a.serialSecret)
            let secret = try #require(a.secrets["K001"])
            #expect(Data(base64Encoded: secret)?.count == 32)
        }
    }

    @Test func loadOrCreateOfAnExistingFileKeepsItsKeys() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let before = try Data(contentsOf: URL(fileURLWithPath: keys.path))
            let code = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            let again = try KeyFile.loadOrCreate(at: keys.path)
            #expect(TailSigner(keys: again).verify(code) == .valid)
            #expect(try Data(contentsOf: URL(fileURLWithPath: keys.path)) == before)
        }
    }

    @Test func rotatedKeyBecomesActiveAndOldCodesStillVerify() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let oldLong = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            let oldShort = try keys.code(gtin: SampleGTIN.russian, serial: "ABCDEFG", tail: .shortMAC)
            let oldSerial = SerialPermutation(keys: keys.ring, gtin: try GTIN(SampleGTIN.russian), length: 13)
                .serial(counter: 12345)

            let newID = try KeyFile.rotate(at: keys.path)
            #expect(newID == "K002")
            let ring = try KeyFile.load(at: keys.path)
            #expect(ring.activeKeyID == "K002")
            #expect(ring.keyIDs == ["K001", "K002"])
            let signer = TailSigner(keys: ring)
            #expect(signer.activeKeyID == "K002")

            // New codes are signed with the new key...
            let rotated = TestKeys.Signed(ring: ring, signer: signer)
            let newLong = try rotated.code(gtin: SampleGTIN.russian, serial: "ABCDEFGHIJKLM", tail: .keyIdAndMAC)
            #expect(newLong.keyID == "K002")
            #expect(newLong.tail != oldLong.tail)
            let raw = try RawKeyFile(path: keys.path)
            #expect(newLong.tail == Data(try raw.expectedMAC(of: newLong.cis, keyID: "K002")).base64EncodedString())
            #expect(signer.verify(newLong) == .valid)

            // ...and codes of the old key still verify after reloading the file.
            #expect(signer.verify(oldLong) == .valid)
            #expect(signer.verify(oldShort, keyID: "K001") == .valid)
            #expect(signer.verify(oldShort, keyID: "K002") == .invalid)
            // An old tail relabelled with the new key id does not.
            let relabelled = MarkingCode(cis: oldLong.cis, keyID: "K002", tail: oldLong.tail, tailKind: .keyIdAndMAC)
            #expect(signer.verify(relabelled) == .invalid)

            // The serial secret never rotates: issued serials are still found.
            let serial = SerialPermutation(keys: ring, gtin: try GTIN(SampleGTIN.russian), length: 13)
            #expect(serial.serial(counter: 12345) == oldSerial)

            // A second rotation adds a third key and keeps both older ones.
            #expect(try KeyFile.rotate(at: keys.path) == "K003")
            let third = try KeyFile.loadOrCreate(at: keys.path)
            #expect(third.keyIDs == ["K001", "K002", "K003"])
            #expect(TailSigner(keys: third).verify(oldLong) == .valid)
            #expect(TailSigner(keys: third).verify(newLong) == .valid)
        }
    }

    @Test func rotatingAMissingKeyFileFails() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/keys.json"
            let error = #expect(throws: MarkingError.self) { try KeyFile.rotate(at: path) }
            #expect(error?.code == .keyFile)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func loadingAMissingKeyFileFails() throws {
        try withTemporaryDirectory { folder in
            let error = #expect(throws: MarkingError.self) { try KeyFile.load(at: folder + "/none.json") }
            #expect(error?.code == .keyFile)
            #expect(error?.message.contains("none.json") == true)
        }
    }

    /// Key files that are broken in different ways, each still full of real-looking secrets.
    private static func corruptKeyFiles(secret: String, other: String) -> [(String, String)] {
        let key = #"{"id": "K001", "secret": "\#(secret)", "createdAt": "2024-01-01T00:00:00Z"}"#
        let otherKey = #"{"id": "K002", "secret": "\#(other)", "createdAt": "2024-01-01T00:00:00Z"}"#
        return [
            ("garbage", "\u{00}\u{FF}not json at all \(secret) \(other)"),
            ("truncated JSON", #"{"version": 1, "activeKeyID": "K001", "serialSecret": "\#(other)", "keys": [\#(key)"#),
            ("JSON of the wrong shape", #"{"hello": "\#(secret)", "keys": "\#(other)"}"#),
            ("JSON array", #"["\#(secret)", "\#(other)"]"#),
            ("wrong field types", #"{"version": "1", "activeKeyID": 1, "serialSecret": "\#(other)", "keys": [\#(key)]}"#),
            ("missing active key", #"{"version": 1, "activeKeyID": "K009", "serialSecret": "\#(other)", "keys": [\#(key)]}"#),
            ("no keys", #"{"version": 1, "activeKeyID": "K001", "serialSecret": "\#(other)", "keys": []}"#),
            ("secret not base64", #"{"version": 1, "activeKeyID": "K001", "serialSecret": "\#(other)", "keys": [{"id": "K001", "secret": "\#(secret)!!", "createdAt": ""}]}"#),
            ("secret too short", #"{"version": 1, "activeKeyID": "K001", "serialSecret": "\#(other)", "keys": [{"id": "K001", "secret": "\#(secret.prefix(20))", "createdAt": ""}]}"#),
            ("serial secret too short", #"{"version": 1, "activeKeyID": "K001", "serialSecret": "\#(other.prefix(20))", "keys": [\#(key)]}"#),
            ("bad key id", #"{"version": 1, "activeKeyID": "K#01", "serialSecret": "\#(other)", "keys": [{"id": "K#01", "secret": "\#(secret)", "createdAt": ""}]}"#),
            ("duplicate key id", #"{"version": 1, "activeKeyID": "K001", "serialSecret": "\#(other)", "keys": [\#(key), \#(key)]}"#),
            ("unknown version", #"{"version": 2, "activeKeyID": "K001", "serialSecret": "\#(other)", "keys": [\#(key), \#(otherKey)]}"#),
            ("empty file", ""),
        ]
    }

    @Test func corruptKeyFileIsAKeyFileErrorThatShowsNoSecret() throws {
        try withTemporaryDirectory { folder in
            let secret = randomSecret()
            let other = randomSecret()
            for (index, (name, text)) in Self.corruptKeyFiles(secret: secret, other: other).enumerated() {
                let path = folder + "/corrupt-\(index).json"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
                for (operation, body) in [
                    ("load", { () throws(MarkingError) in _ = try KeyFile.load(at: path) }),
                    ("loadOrCreate", { () throws(MarkingError) in _ = try KeyFile.loadOrCreate(at: path) }),
                    ("rotate", { () throws(MarkingError) in _ = try KeyFile.rotate(at: path) }),
                ] as [(String, () throws(MarkingError) -> Void)] {
                    let error = #expect(throws: MarkingError.self, "\(name), \(operation)") { try body() }
                    guard let error else { continue }
                    #expect(error.code == .keyFile, "\(name), \(operation): \(error)")
                    #expect(error.message.contains(path), "\(name), \(operation): \(error)")
                    for leaked in [secret, other, String(secret.prefix(12)), String(other.prefix(12))] {
                        #expect(!error.message.contains(leaked), "\(name), \(operation) leaks a secret: \(error)")
                        #expect(!"\(error)".contains(leaked), "\(name), \(operation) leaks a secret")
                        #expect(!String(reflecting: error).contains(leaked), "\(name), \(operation) leaks a secret")
                    }
                }
                // A broken key file is never silently replaced: its keys may still be needed.
                #expect(FileManager.default.contents(atPath: path) == Data(text.utf8), "\(name)")
            }
        }
    }

    @Test func keyRingDescriptionShowsNoSecret() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            try KeyFile.rotate(at: keys.path)
            let ring = try KeyFile.load(at: keys.path)
            let raw = try RawKeyFile(path: keys.path)
            var dumped = ""
            dump(ring, to: &dumped)
            let texts = ["\(ring)", ring.description, String(describing: ring), String(reflecting: ring), dumped]
            for text in texts {
                #expect(text.contains("K002"))
                for secret in raw.secretSpellings {
                    #expect(!text.contains(secret), "KeyRing text leaks a secret: \(text)")
                }
            }
        }
    }

    @Test func signerDescriptionShowsNoSecret() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let raw = try RawKeyFile(path: keys.path)
            let keyed = try #require(keys.signer.keyed("K001"))
            for text in [String(describing: keys.signer), String(reflecting: keys.signer), String(describing: keyed)] {
                for secret in raw.secretSpellings {
                    #expect(!text.contains(secret), "signer text leaks a secret: \(text)")
                }
            }
        }
    }

    @Test func keyFileErrorsDoNotLeakTheSecretsOfAValidFile() throws {
        try withTemporaryDirectory { folder in
            let keys = try TestKeys(in: folder)
            let raw = try RawKeyFile(path: keys.path)
            // Make the file unreadable as a key file by changing only the active key id.
            let text = try String(contentsOfFile: keys.path, encoding: .utf8)
                .replacingOccurrences(of: "\"activeKeyID\" : \"K001\"", with: "\"activeKeyID\" : \"K777\"")
            #expect(text.contains("K777"))
            try text.write(toFile: keys.path, atomically: false, encoding: .utf8)
            let error = #expect(throws: MarkingError.self) { try KeyFile.load(at: keys.path) }
            #expect(error?.code == .keyFile)
            #expect(error?.message.contains("K777") == true)
            for secret in raw.secretSpellings {
                #expect(error?.message.contains(secret) == false)
            }
        }
    }
}

extension TestKeys {
    /// A ring and signer that did not come from ``TestKeys/init(in:)``.
    struct Signed {
        let ring: KeyRing
        let signer: TailSigner

        func code(gtin: String, serial: String, tail kind: TailKind) throws -> MarkingCode {
            let cis = CIS(gtin: try GTIN(gtin), serial: try Serial(serial))
            let tail = try #require(signer.tail(for: cis, kind: kind, keyID: ring.activeKeyID))
            return MarkingCode(
                cis: cis, keyID: kind == .keyIdAndMAC ? ring.activeKeyID : nil, tail: tail, tailKind: kind)
        }
    }
}
