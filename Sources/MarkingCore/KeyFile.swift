import Crypto
import Foundation

/// The JSON file that holds a ``KeyRing``, kept outside the code and outside git.
///
/// A fresh data folder creates one with mode 0600 (created with that mode, so there is
/// no moment when it is readable by others). Rotation writes a new file next to the old
/// one and renames it over, so a crash leaves either the old or the new ring, whole.
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

    /// Loads the key ring at `path`, creating a new one (with one fresh key) if there is
    /// no file yet.
    public static func loadOrCreate(at path: String) throws(MarkingError) -> KeyRing {
        if FileManager.default.fileExists(atPath: path) { return try load(at: path) }
        let contents = Contents(
            version: 1, activeKeyID: "K001", serialSecret: randomSecret(),
            keys: [.init(id: "K001", secret: randomSecret(), createdAt: timestamp())])
        try write(contents, to: path)
        return try ring(from: contents, path: path)
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
        try write(contents, to: path)
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

    private static func write(_ contents: Contents, to path: String) throws(MarkingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(contents) else {
            throw MarkingError(.keyFile, "cannot encode key file \(path)")
        }
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw MarkingError(.keyFile, "cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == data.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw MarkingError(.keyFile, "cannot write key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func randomSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64.encode(Array($0)) }
    }

    private static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
