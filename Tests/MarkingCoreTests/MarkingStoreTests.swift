import Foundation
import MarkingCore
import RocksDB
import TestSupport
import Testing

private func openStore(_ folder: String, keyFile: String? = nil) throws(MarkingError) -> MarkingStore {
    try MarkingStore(dataFolder: folder, keyFile: keyFile, options: smallStoreOptions)
}

@Suite("Marking store")
struct MarkingStoreTests {
    @Test func dataFolderThatIsARegularFileIsRefused() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/data"
            #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            let error = #expect(throws: MarkingError.self) { try openStore(path) }
            #expect(error?.code == .dataFolder)
            #expect(error?.message.contains(path) == true)
            #expect(FileManager.default.contents(atPath: path) == Data("x".utf8))
        }
    }

    @Test func dataFolderInsideARegularFileIsRefused() throws {
        try withTemporaryDirectory { folder in
            let file = folder + "/data"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            let error = #expect(throws: MarkingError.self) { try openStore(file + "/inner") }
            #expect(error?.code == .dataFolder)
        }
    }

    @Test func freshDataFolderGetsAStoreAndAPrivateKeyFile() throws {
        try withTemporaryDirectory { folder in
            let data = folder + "/new/nested/data"
            let store = try openStore(data)
            defer { store.close() }
            let keyFile = data + "/keys.json"
            #expect(FileManager.default.fileExists(atPath: keyFile))
            let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
            #expect(attributes[.posixPermissions] as? Int == 0o600)
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: data + "/db", isDirectory: &isDirectory))
            #expect(isDirectory.boolValue)
            #expect(store.keys.activeKeyID == "K001")
            #expect(store.dataFolder == data)
            // The ring in the store is the one in the file.
            let fromFile = try KeyFile.load(at: keyFile)
            let cis = CIS(gtin: try GTIN(SampleGTIN.russian), serial: try Serial("ABCDEFGHIJKLM"))
            #expect(store.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: "K001")
                == TailSigner(keys: fromFile).tail(for: cis, kind: .keyIdAndMAC, keyID: "K001"))
        }
    }

    @Test func explicitKeyFileIsUsedInsteadOfTheDataFolderOne() throws {
        try withTemporaryDirectory { folder in
            let keyFile = folder + "/elsewhere.keys.json"
            let store = try openStore(folder + "/data", keyFile: keyFile)
            defer { store.close() }
            #expect(FileManager.default.fileExists(atPath: keyFile))
            #expect(!FileManager.default.fileExists(atPath: folder + "/data/keys.json"))
        }
    }

    @Test func reopeningKeepsTheKeys() throws {
        try withTemporaryDirectory { folder in
            let cis = CIS(gtin: try GTIN(SampleGTIN.russian), serial: try Serial("ABCDEFGHIJKLM"))
            let first = try openStore(folder)
            let tail = first.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: first.keys.activeKeyID)
            let serial = first.permutation(gtin: cis.gtin, serialLength: 13).serial(counter: 77)
            first.close()
            let second = try openStore(folder)
            defer { second.close() }
            #expect(second.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: second.keys.activeKeyID) == tail)
            #expect(second.permutation(gtin: cis.gtin, serialLength: 13).serial(counter: 77) == serial)
        }
    }

    @Test func corruptKeyFileStopsTheStoreFromOpening() throws {
        try withTemporaryDirectory { folder in
            #expect(FileManager.default.createFile(atPath: folder + "/keys.json", contents: Data("{}".utf8)))
            let error = #expect(throws: MarkingError.self) { try openStore(folder) }
            #expect(error?.code == .keyFile)
        }
    }

    @Test func secondOpenOfTheSameDataFolderFailsWhileTheFirstIsOpen() throws {
        try withTemporaryDirectory { folder in
            let store = try openStore(folder)
            let error = #expect(throws: MarkingError.self) { try openStore(folder) }
            #expect(error?.code == .store)
            store.close()
            let again = try openStore(folder)
            again.close()
        }
    }

    @Test func nextIDIsMonotonicPerSequence() throws {
        try withTemporaryDirectory { folder in
            let store = try openStore(folder)
            defer { store.close() }
            let orders = try (0..<20).map { _ throws(MarkingError) in try store.nextID("order") }
            #expect(orders == Array(1...20))
            #expect(try store.nextID("document") == 1)
            #expect(try store.nextID("order") == 21)
            #expect(try store.nextID("document") == 2)
        }
    }

    @Test func nextIDSurvivesReopen() throws {
        try withTemporaryDirectory { folder in
            do {
                let store = try openStore(folder)
                for _ in 0..<5 { _ = try store.nextID("order") }
                #expect(try store.nextID("job") == 1)
                store.close()
            }
            let store = try openStore(folder)
            defer { store.close() }
            #expect(try store.nextID("order") == 6)
            #expect(try store.nextID("job") == 2)
            #expect(try store.nextID("fresh") == 1)
        }
    }

    @Test func nextIDNeverRepeatsUnderConcurrentUse() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try openStore(folder)
        defer { store.close() }
        let ids = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try (0..<50).map { _ throws(MarkingError) in try store.nextID("order") }
                }
            }
            var all: [UInt64] = []
            for try await part in group {
                // Each caller sees its own ids rising.
                #expect(part == part.sorted())
                all += part
            }
            return all
        }
        #expect(ids.sorted() == Array(1...200))
    }

    @Test func unknownCodeHasNoRecordAndIsNotGenuine() throws {
        try withTemporaryDirectory { folder in
            let store = try openStore(folder)
            defer { store.close() }
            let cis = CIS(gtin: try GTIN(SampleGTIN.russian), serial: try Serial("ABCDEFGHIJKLM"))
            #expect(try store.record(for: cis) == nil)
            let tail = store.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: store.keys.activeKeyID)
            let check = try store.check(MarkingCode(cis: cis, keyID: store.keys.activeKeyID, tail: tail, tailKind: .keyIdAndMAC))
            #expect(check.record == nil)
            #expect(check.tail == .valid)
            #expect(!check.isGenuine)
            #expect(check.problem == "the code is not known to this store")
        }
    }

    @Test func storedRecordIsFoundByItsCIS() throws {
        try withTemporaryDirectory { folder in
            let store = try openStore(folder)
            defer { store.close() }
            let gtin = try GTIN(SampleGTIN.russian)
            let permutation = store.permutation(gtin: gtin, serialLength: 13)
            let cis = CIS(gtin: gtin, serial: permutation.serial(counter: 5))
            let key = store.key(for: cis)
            #expect(key == CodeKey.make(gtin: gtin, serialLength: 13, preimage: 5))
            let record = CodeRecord(
                status: .emitted, templateID: 1, keyID: store.keys.activeKeyID, owner: 1, producer: 1, order: 1,
                emittedAt: MarkingStore.now())
            _ = try store.committer.commit { changeset in changeset.putCode(store.ref(for: cis), record, replacing: nil) }
            #expect(try store.record(for: cis) == record)

            let tail = store.signer.tail(for: cis, kind: .keyIdAndMAC, keyID: store.keys.activeKeyID)
            let genuine = try store.check(MarkingCode(cis: cis, keyID: store.keys.activeKeyID, tail: tail, tailKind: .keyIdAndMAC))
            #expect(genuine.isGenuine)
            #expect(genuine.problem == nil)
            let forged = try store.check(MarkingCode(cis: cis, keyID: store.keys.activeKeyID, tail: String(repeating: "A", count: 43) + "=", tailKind: .keyIdAndMAC))
            #expect(!forged.isGenuine)
            #expect(forged.tail == .invalid)
            // A 93 tail on a code of a 91+92 template is not genuine either.
            let shortTail = store.signer.tail(for: cis, kind: .shortMAC, keyID: store.keys.activeKeyID)
            let wrongKind = try store.check(MarkingCode(cis: cis, tail: shortTail, tailKind: .shortMAC))
            #expect(wrongKind.tail == .invalid)
            #expect(!wrongKind.isGenuine)
        }
    }
}
