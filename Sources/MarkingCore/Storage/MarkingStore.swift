import Foundation
import RocksDB
import Synchronization

/// The engine's data folder: the RocksDB store with its column families, the key ring
/// and the template catalog, and the lookups every other module builds on.
///
/// Layout of a data folder: `db/` (RocksDB) and `keys.json` (the key ring, mode 0600,
/// unless another key file is named). One process owns a data folder at a time;
/// RocksDB's lock file enforces it.
public final class MarkingStore: Sendable {
    /// The RocksDB store. Only the storage layer (this folder) reads or writes it:
    /// every key is built here, and every write goes through ``committer``.
    let database: Database
    let families: StoreFamilies
    /// The only writer of registry state.
    public let committer: Committer
    /// Records of codes read lately, for point reads (``record(for:)``, ``recordInMemory(for:)``).
    let records = RecordCache()
    public let keys: KeyRing
    /// Where the key ring was read from (for messages; never its contents).
    public let keyFilePath: String
    public let signer: TailSigner
    public let catalog: TemplateCatalog
    public let parser: CodeParser
    public let dataFolder: String
    private let permutations = Mutex<[UInt64: SerialPermutation]>([:])
    /// The last value handed out per named sequence (see `MetaStorage.swift`).
    let sequences = Mutex<[String: UInt64]>([:])

    /// Opens the data folder at `dataFolder`, creating it, its store and its key file
    /// when missing and `create` is true. `keyFile` overrides the key file location.
    /// A store that exists must be opened with the key file it was created with (or a
    /// rotation of it): `keys.missing` or `keys.mismatch` otherwise, naming both paths.
    public init(
        dataFolder: String, keyFile: String? = nil, create: Bool = true, catalog: TemplateCatalog = .standard,
        options: DatabaseOptions = .init()
    ) throws(MarkingError) {
        var isDirectory: ObjCBool = false
        let manager = FileManager.default
        var options = options
        options.createIfMissing = create
        if !create, !manager.fileExists(atPath: dataFolder + "/db/CURRENT") {
            throw MarkingError(.dataFolder, "there is no store in \(dataFolder) (emit some codes first, or pass --data)")
        }
        if manager.fileExists(atPath: dataFolder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw MarkingError(.dataFolder, "data folder \(dataFolder) is not a directory")
            }
            guard manager.isReadableFile(atPath: dataFolder), manager.isWritableFile(atPath: dataFolder) else {
                throw MarkingError(.dataFolder, "data folder \(dataFolder) is not readable and writable")
            }
        } else {
            do {
                try manager.createDirectory(atPath: dataFolder, withIntermediateDirectories: true)
            } catch {
                throw MarkingError(.dataFolder, "cannot create data folder \(dataFolder)")
            }
        }
        let keyPath = keyFile ?? dataFolder + "/keys.json"
        // A key file that is there is read before anything is created: a corrupt one
        // stops here, with nothing written.
        var existing: KeyRing?
        if KeyFile.exists(at: keyPath) { existing = try KeyFile.load(at: keyPath) }
        do {
            database = try Database(path: dataFolder + "/db", families: StoreFamily.descriptors, options: options)
            families = try StoreFamilies(database)
        } catch let error as DatabaseError {
            throw MarkingError(.store, error.message)
        } catch {
            throw MarkingError(.store, "\(error)")
        }
        // Under the store's lock (RocksDB's LOCK file, taken above): keys are created
        // only for a new store, and checked against the store's fingerprint otherwise.
        let keys: KeyRing
        do {
            keys = try Self.openKeyRing(existing, path: keyPath, dataFolder: dataFolder, database: database, families: families)
        } catch {
            database.close()
            throw error
        }
        self.keys = keys
        self.keyFilePath = keyPath
        self.dataFolder = dataFolder
        self.catalog = catalog
        self.parser = CodeParser(catalog: catalog)
        signer = TailSigner(keys: keys)
        committer = Committer(database: database, families: families, records: records)
        try committer.loadAppliedSequence()
        // Ids taken by other replicas arrive with their changesets: read them anew.
        committer.onRemoteApply { [weak self] in self?.reloadSequences() }
    }

    /// Closes the store. Acknowledged writes are already durable; this releases the lock.
    public func close() { database.close() }

    /// Runs a read of the storage layer, turning RocksDB's errors into ``MarkingError``.
    func read<T>(_ body: () throws -> T) throws(MarkingError) -> T {
        do {
            return try body()
        } catch let error as MarkingError {
            throw error
        } catch {
            throw MarkingError(.store, "\(error)")
        }
    }

    /// The serial permutation of `gtin` and `length`, derived once and cached.
    public func permutation(gtin: GTIN, serialLength length: Int) -> SerialPermutation {
        let cacheKey = gtin.value << 5 | UInt64(length)
        if let cached = permutations.withLock({ $0[cacheKey] }) { return cached }
        let permutation = SerialPermutation(keys: keys, gtin: gtin, length: length)
        permutations.withLock { $0[cacheKey] = permutation }
        return permutation
    }

    /// The storage key of a CIS.
    public func key(for cis: CIS) -> [UInt8] {
        let length = cis.serial.bytes.count
        let preimage = permutation(gtin: cis.gtin, serialLength: length).preimage(of: cis.serial)!
        return CodeKey.make(gtin: cis.gtin, serialLength: length, preimage: preimage)
    }

    /// The record of a code, or `nil` when the store does not know it.
    public func record(for cis: CIS) throws(MarkingError) -> CodeRecord? {
        let ref = ref(for: cis)
        let found = try records.record(ref) { () throws(MarkingError) -> CodeRecord?? in
            .some(try read { try database.get(ref.key, in: families[.codes]) }.flatMap(CodeRecord.init))
        }
        return found ?? nil
    }

    /// Checks a code as the public check does: is it known, and is its tail genuine?
    public func check(_ code: MarkingCode) throws(MarkingError) -> CodeCheck {
        check(code, record: try record(for: code.cis))
    }

    /// Checks a code against a record already read (`nil`: the store does not know
    /// the code), for callers that read the record their own way.
    public func check(_ code: MarkingCode, record: CodeRecord?) -> CodeCheck {
        let tail: TailVerification
        if let record, let template = catalog.withID(record.templateID), let kind = code.tailKind, kind != template.tail {
            tail = .invalid
        } else if record != nil, code.tailKind == nil {
            // Every template carries a tail: a known CIS sent without one proves nothing.
            tail = .missing
        } else {
            tail = signer.verify(code, keyID: record?.keyID)
        }
        return CodeCheck(code: code, record: record, tail: tail)
    }

    /// Milliseconds since 1970 UTC.
    public static func now() -> UInt64 {
        UInt64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// What a check found out about a code.
public struct CodeCheck: Sendable {
    public let code: MarkingCode
    /// The stored record, `nil` when the code is unknown.
    public let record: CodeRecord?
    public let tail: TailVerification

    /// Known to the store and carrying the right tail. A known code sent without its
    /// tail is not genuine: its authenticity is unknown (``TailVerification/missing``).
    public var isGenuine: Bool { record != nil && tail == .valid }

    /// Why the code is not genuine, in one line; `nil` when it is.
    public var problem: String? {
        if record == nil { return "the code is not known to this store" }
        switch tail {
        case .valid, .noTail: return nil
        case .missing: return "the crypto tail is missing: a CIS alone cannot show that the code is genuine"
        case .invalid: return "the crypto tail does not match: the code is forged or damaged"
        case .unknownKey: return "the code names a key this installation does not have"
        }
    }
}
