import Foundation
import MarkingCore

/// GTINs whose check digits were computed by hand (and checked against GS1's own
/// examples: 4006381333931, 5901234123457, 96385074, 036000291452).
enum SampleGTIN {
    static let russian = "04607000000007"
    static let gs1Example = "05901234123457"
    static let other = "04601234567893"
}

/// A key ring in a fresh key file, a signer for it and its path.
struct TestKeys {
    let path: String
    let ring: KeyRing
    let signer: TailSigner

    init(in folder: String) throws {
        path = folder + "/keys.json"
        ring = try KeyFile.loadOrCreate(at: path)
        signer = TailSigner(keys: ring)
    }

    /// A complete code with the tail the template asks for, signed with the active key.
    func code(gtin: String, serial: String, tail kind: TailKind) throws -> MarkingCode {
        let cis = CIS(gtin: try GTIN(gtin), serial: try Serial(serial))
        guard let tail = signer.tail(for: cis, kind: kind, keyID: ring.activeKeyID) else {
            throw MarkingError(.unknownKey, "no active key")
        }
        switch kind {
        case .keyIdAndMAC: return MarkingCode(cis: cis, keyID: ring.activeKeyID, tail: tail, tailKind: kind)
        case .shortMAC: return MarkingCode(cis: cis, tail: tail, tailKind: kind)
        }
    }
}
