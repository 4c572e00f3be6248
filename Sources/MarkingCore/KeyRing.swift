import Crypto

/// The secret keys of an installation: the tail keys by their 4-character id (one of
/// them active for new codes) and the serial secret that keys the serial permutation.
///
/// Its `description` never shows key material, so a `KeyRing` can be logged or
/// interpolated by mistake without leaking anything.
public struct KeyRing: Sendable, CustomStringConvertible {
    /// The id stamped into new codes (AI 91 and the stored record).
    public let activeKeyID: String
    /// Every key that still verifies, by id. Old keys stay after a rotation.
    let tailKeys: [String: SymmetricKey]
    /// Keys the serial permutation. It never rotates: serials already issued are found
    /// by inverting the permutation, which needs the same key forever.
    let serialSecret: SymmetricKey

    public init(activeKeyID: String, tailKeys: [String: SymmetricKey], serialSecret: SymmetricKey) {
        self.activeKeyID = activeKeyID
        self.tailKeys = tailKeys
        self.serialSecret = serialSecret
    }

    /// The ids of all keys, sorted.
    public var keyIDs: [String] { tailKeys.keys.sorted() }

    public var description: String { "KeyRing(active: \(activeKeyID), keys: \(keyIDs))" }

    /// Whether `id` is a well-formed key id: 4 characters of GS1 set 82.
    public static func isValidKeyID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        return bytes.count == 4 && bytes.allSatisfy(SerialAlphabet.contains)
    }
}
