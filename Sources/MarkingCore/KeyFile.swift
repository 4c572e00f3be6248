import Crypto
import Foundation

/// The JSON file that holds a ``KeyRing``, kept outside the code and outside git.
///
/// A new store creates one with mode 0600 (created with that mode, so there is no
/// moment when it is readable by others), never over an existing file. Rotation writes
/// a new file next to the old one and renames it over, so a crash leaves either the old
/// or the new ring, whole (see ``SecretFile``). The store remembers the ring's
/// ``KeyFingerprint`` and refuses a key file that does not match it.
public enum KeyFile {
    struct Contents: Codable {
        struct Key: Codable {
            var id: String
            var secret: String
            var createdAt: String
        }
        var version: Int
        var activeKeyID: String
        var serialSecret: String
        var keys: [Key]
    }

    /// Creates a key file at `path` with one fresh key and returns its ring. Never
    /// replaces a file: a key file already at `path` is an error. The store calls this
    /// only for a new store, under the store's lock (see ``MarkingStore``).
    public static func create(at path: String) throws(MarkingError) -> KeyRing {
        let contents = Contents(
            version: 1, activeKeyID: "K001", serialSecret: randomSecret(),
            keys: [.init(id: "K001", secret: randomSecret(), createdAt: timestamp())])
        try write(contents, to: path, mode: .create)
        return try ring(from: contents, path: path)
    }

    /// Loads the key ring at `path`, creating one if there is no file yet: for tools and
    /// tests. A store never calls it: it creates keys only for a new store.
    public static func loadOrCreate(at path: String) throws(MarkingError) -> KeyRing {
        if exists(at: path) { return try load(at: path) }
        return try create(at: path)
    }

    /// Whether there is a file (or anything else) at `path`.
    public static func exists(at path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Loads the key ring at `path`. A missing, unreadable or malformed file is an
    /// error that names the file and the problem, never a key.
    public static func load(at path: String) throws(MarkingError) -> KeyRing {
        try ring(from: contents(at: path), path: path)
    }

    /// Adds a fresh key, makes it active and returns its id. Codes issued under older
    /// keys still verify.
    @discardableResult
    public static func rotate(at path: String) throws(MarkingError) -> String {
        var contents = try contents(at: path)
        // A file this engine cannot load is refused, not rewritten: its keys may still be needed.
        _ = try ring(from: contents, path: path)
        let taken = Set(contents.keys.map(\.id))
        var number = contents.keys.count + 1
        var id = String(format: "K%03d", number)
        while taken.contains(id) {
            number += 1
            id = String(format: "K%03d", number)
        }
        guard number <= 999 else { throw MarkingError(.keyFile, "key file \(path) already holds 999 keys") }
        contents.keys.append(.init(id: id, secret: randomSecret(), createdAt: timestamp()))
        contents.activeKeyID = id
        try write(contents, to: path, mode: .replace)
        return id
    }

    private static func contents(at path: String) throws(MarkingError) -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MarkingError(.keyFile, "cannot read key file \(path)")
        }
        do {
            return try JSONDecoder().decode(Contents.self, from: data)
        } catch {
            throw MarkingError(.keyFile, "key file \(path) is corrupt: it is not a key file of this engine (expected JSON with version, activeKeyID, serialSecret, keys)")
        }
    }

    private static func ring(from contents: Contents, path: String) throws(MarkingError) -> KeyRing {
        guard contents.version == 1 else {
            throw MarkingError(.keyFile, "key file \(path) has version \(contents.version); this engine reads version 1")
        }
        guard let serial = Base64.decode(contents.serialSecret), serial.count >= 32 else {
            throw MarkingError(.keyFile, "key file \(path) is corrupt: serialSecret must be at least 32 bytes of base64")
        }
        var keys: [String: SymmetricKey] = [:]
        for key in contents.keys {
            guard KeyRing.isValidKeyID(key.id) else {
                throw MarkingError(.keyFile, "key file \(path) is corrupt: key id '\(key.id)' is not 4 characters of GS1 set 82")
            }
            guard let secret = Base64.decode(key.secret), secret.count >= 32 else {
                throw MarkingError(.keyFile, "key file \(path) is corrupt: key \(key.id) must be at least 32 bytes of base64")
            }
            guard keys[key.id] == nil else {
                throw MarkingError(.keyFile, "key file \(path) is corrupt: key id \(key.id) appears twice")
            }
            keys[key.id] = SymmetricKey(data: secret)
        }
        guard keys[contents.activeKeyID] != nil else {
            throw MarkingError(.keyFile, "key file \(path) is corrupt: the active key \(contents.activeKeyID) is not in its keys")
        }
        return KeyRing(activeKeyID: contents.activeKeyID, tailKeys: keys, serialSecret: SymmetricKey(data: serial))
    }

    private static func write(_ contents: Contents, to path: String, mode: SecretFile.Mode) throws(MarkingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(contents) else {
            throw MarkingError(.keyFile, "cannot encode key file \(path)")
        }
        do {
            try SecretFile.write(Array(data), to: path, mode: mode)
        } catch {
            throw MarkingError(.keyFile, "cannot write key file \(path): \(error.message)")
        }
    }

    private static func randomSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64.encode(Array($0)) }
    }

    private static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
