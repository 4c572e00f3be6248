import Crypto
import Foundation

/// A bearer token's secret and its SHA-256 hash, which is all the server stores.
public struct BearerSecret: Sendable, Hashable {
    /// The secret as the client sends it: `mkt_` and 43 base64url characters (256 random bits).
    public let text: String

    public init(text: String) { self.text = text }

    /// A new random secret from the system's cryptographic generator.
    public static func generate() -> BearerSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return BearerSecret(text: "mkt_" + encoded)
    }

    /// SHA-256 of the secret's UTF-8 bytes.
    public var hash: [UInt8] { Array(SHA256.hash(data: Array(text.utf8))) }

    /// Compares two hashes in time that does not depend on where they differ.
    static func sameHash(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
