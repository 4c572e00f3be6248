import Crypto
import Foundation

/// What identifies a ``KeyRing`` without revealing it: a SHA-256 of each secret under
/// a label of its own, truncated to 16 bytes (hex). A fingerprint cannot be turned back
/// into a key (the secrets are 256 random bits), so it may be stored, logged and shown
/// to the admin.
///
/// The store keeps the fingerprint of the key file it was created with (`meta` key
/// `keys`, see `MetaStorage.swift`) and refuses a key file that does not match it: a
/// missing or mistyped key file would otherwise get fresh keys, every earlier code
/// would read as unknown, and short serial templates could issue serials again.
///
/// A ring *extends* another when it has the same serial secret and every key of the
/// other with the same secret: what a rotation makes (``KeyFile/rotate(at:)``).
public struct KeyFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The fingerprint of the serial secret, which never changes.
    public var serial: String
    /// The fingerprint of every tail key, by key id.
    public var keys: [String: String]

    public init(serial: String, keys: [String: String]) {
        self.serial = serial
        self.keys = keys
    }

    /// The fingerprint of `ring`.
    public init(_ ring: KeyRing) {
        serial = ring.serialSecret.withUnsafeBytes { Self.hash(label: "serial", $0) }
        var keys: [String: String] = [:]
        for (id, key) in ring.tailKeys { keys[id] = key.withUnsafeBytes { Self.hash(label: "tail " + id, $0) } }
        self.keys = keys
    }

    /// One hash of the whole ring (hex): equal for equal rings, what replicas compare
    /// (`GET /registry/digest` shows it as `keyFingerprint`).
    public var digest: String {
        var hasher = SHA256()
        hasher.update(data: Array(encoded))
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether this ring has the serial secret of `other` and each of its keys, unchanged:
    /// `other` or a rotation of it.
    public func extends(_ other: KeyFingerprint) -> Bool {
        serial == other.serial && other.keys.allSatisfy { keys[$0.key] == $0.value }
    }

    /// Why this ring does not extend `stored`, in words, without any key material.
    public func difference(from stored: KeyFingerprint) -> String {
        if serial != stored.serial { return "its serial secret differs" }
        let missing = stored.keys.keys.filter { keys[$0] == nil }.sorted()
        if !missing.isEmpty { return "it lacks key \(missing.joined(separator: ", "))" }
        let changed = stored.keys.keys.filter { keys[$0] != stored.keys[$0] }.sorted()
        return "key \(changed.joined(separator: ", ")) has another secret"
    }

    /// The stored form: `serial <hex>` and one `<id> <hex>` line per key, sorted.
    public var encoded: [UInt8] {
        var lines = ["serial \(serial)"]
        for id in keys.keys.sorted() { lines.append("\(id) \(keys[id]!)") }
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// Reads the stored form; `nil` for bytes that are not one.
    public init?(encoded bytes: [UInt8]) {
        var serial: String?
        var keys: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { return nil }
            if parts[0] == "serial" { serial = String(parts[1]) } else { keys[String(parts[0])] = String(parts[1]) }
        }
        guard let serial else { return nil }
        self.init(serial: serial, keys: keys)
    }

    public var description: String { "key ring \(digest) (keys \(keys.keys.sorted().joined(separator: ", ")))" }

    private static func hash(label: String, _ secret: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("marking-engine key fingerprint \(label)\n".utf8))
        hasher.update(bufferPointer: secret)
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
