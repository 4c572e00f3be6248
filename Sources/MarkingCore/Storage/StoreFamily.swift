import RocksDB

/// The column families of a store, by role, with the stable numbers that changesets
/// name them by (a changeset written by one replica is applied by another, whose
/// RocksDB handles differ).
///
/// Each family's key layout is documented, as a table, in the storage file that owns
/// it: ``MarkingStore/record(for:)`` and `CodeStorage.swift` for `codes` and
/// `counters`, `OrderStorage.swift`, `DocumentStorage.swift` (documents, shipments,
/// the receivers' index), `PackageStorage.swift` (`aggregates`),
/// `ParticipantStorage.swift` (participants and tokens), `ProductStorage.swift`,
/// `AuditStorage.swift`, `ViolationStorage.swift`, `AnalyticsStorage.swift` and
/// `MetaStorage.swift`.
public enum StoreFamily: UInt8, Sendable, CaseIterable, Codable {
    /// Code records by ``CodeKey``.
    case codes = 0
    /// Next free emission counter by GTIN and serial length.
    case counters = 1
    /// Emission orders by id.
    case orders = 2
    /// Documents by id, their numbers, in-flight markers and shipments.
    case documents = 3
    /// Packages and their contents.
    case aggregates = 4
    /// Participants and their tokens.
    case participants = 5
    /// Product cards by GTIN.
    case products = 6
    /// The audit trail by time and sequence.
    case audit = 7
    /// Sequences and the applied sequence of the registry.
    case meta = 8
    /// Reports of suspected fakes sent by the public, by id.
    case violations = 9
    /// Counts of codes by owner, status, GTIN and day, kept by the committer.
    case analytics = 10

    /// The RocksDB name of the family.
    public var name: String { "\(self)" }

    /// How each family is opened. Code keys start with 9 bytes of GTIN and serial
    /// length: a document's or an order's records arrive in key order within that
    /// prefix, so the memtable keeps an insert hint per prefix.
    public static let descriptors: [ColumnFamilyDescriptor] = allCases.map { family in
        switch family {
        case .codes: .init(name: family.name, profile: .bulk, insertHintPrefixLength: 9)
        case .aggregates, .audit: .init(name: family.name, profile: .bulk)
        default: .init(name: family.name)
        }
    }
}

/// The opened families of a store, indexed by ``StoreFamily``.
struct StoreFamilies: Sendable {
    private let handles: [ColumnFamily]

    init(_ database: Database) throws {
        handles = try StoreFamily.allCases.map { try database.family($0.name) }
    }

    subscript(_ family: StoreFamily) -> ColumnFamily { handles[Int(family.rawValue)] }
}
