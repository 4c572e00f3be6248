import Foundation
import MarkingCore
import TestSupport
import Testing

/// A store keeps the fingerprint of its key ring and is never opened with other keys:
/// new keys on a store that holds codes would make every code unknown, and short
/// serial templates could issue serials again.
@Suite("Key file guarded by the store")
struct KeyFileGuardTests {
    /// A store in `folder` that holds one changeset, closed again.
    func storeWithARegistry(_ folder: String, keyFile: String? = nil) throws {
        let store = try MarkingStore(dataFolder: folder, keyFile: keyFile, options: smallStoreOptions)
        defer { store.close() }
        _ = try store.nextID("order")
        #expect(store.appliedSequence > 0)
    }

    @Test("A store that holds a registry and has lost its key file is refused, naming both paths, and no key is created")
    func missingKeyFileIsRefused() throws {
        try withTemporaryDirectory { folder in
            try storeWithARegistry(folder)
            try FileManager.default.removeItem(atPath: folder + "/keys.json")
            for create in [true, false] {
                let error = #expect(throws: MarkingError.self) {
                    try MarkingStore(dataFolder: folder, create: create, options: smallStoreOptions)
                }
                #expect(error?.code == .keyFileMissing)
                #expect(error?.message.contains(folder + "/keys.json") == true)
                #expect(error?.message.contains(folder + "/db") == true)
                #expect(!FileManager.default.fileExists(atPath: folder + "/keys.json"))
            }
        }
    }

    @Test("A key file other than the store's is refused, naming both paths, and left as it was")
    func otherKeyFileIsRefused() throws {
        try withTemporaryDirectory { folder in
            try storeWithARegistry(folder + "/data")
            let other = folder + "/other.keys.json"
            _ = try KeyFile.create(at: other)
            let before = try Data(contentsOf: URL(fileURLWithPath: other))
            let error = #expect(throws: MarkingError.self) {
                try MarkingStore(dataFolder: folder + "/data", keyFile: other, options: smallStoreOptions)
            }
            #expect(error?.code == .keyMismatch)
            #expect(error?.message.contains(other) == true)
            #expect(error?.message.contains(folder + "/data/db") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == before)
            // Put in the store's place, the other file is refused all the same.
            try FileManager.default.removeItem(atPath: folder + "/data/keys.json")
            try FileManager.default.copyItem(atPath: other, toPath: folder + "/data/keys.json")
            #expect(throws: MarkingError.self) { try MarkingStore(dataFolder: folder + "/data", options: smallStoreOptions) }
        }
    }

    @Test("A rotation of the store's key file opens the store, and a file missing a rotated key does not")
    func rotationIsAccepted() throws {
        try withTemporaryDirectory { folder in
            try storeWithARegistry(folder)
            let original = try Data(contentsOf: URL(fileURLWithPath: folder + "/keys.json"))
            let id = try KeyFile.rotate(at: folder + "/keys.json")
            let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
            #expect(store.keys.activeKeyID == id)
            store.close()
            try original.write(to: URL(fileURLWithPath: folder + "/keys.json"))
            let error = #expect(throws: MarkingError.self) { try MarkingStore(dataFolder: folder, options: smallStoreOptions) }
            #expect(error?.code == .keyMismatch)
            #expect(error?.message.contains(id) == true)
        }
    }

    @Test("Creating a key file never replaces a file already there")
    func creationNeverReplaces() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/keys.json"
            try Data("someone else's".utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: MarkingError.self) { try KeyFile.create(at: path) }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "someone else's")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keys.json"])
        }
    }

    @Test("The fingerprint names the ring without its keys, and changes with any key")
    func fingerprintRevealsNoKey() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/keys.json"
            let ring = try KeyFile.create(at: path)
            let print = KeyFingerprint(ring)
            let file = try String(contentsOfFile: path, encoding: .utf8)
            for secret in print.keys.values + [print.serial, print.digest] { #expect(!file.contains(secret)) }
            #expect(KeyFingerprint(encoded: print.encoded) == print)
            try KeyFile.rotate(at: path)
            let rotated = KeyFingerprint(try KeyFile.load(at: path))
            #expect(rotated.extends(print) && !print.extends(rotated))
            #expect(rotated.digest != print.digest)
        }
    }
}
