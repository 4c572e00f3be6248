/// Everything one change to the registry writes: the value a rule returns and the
/// committer applies, the same way on every copy of the store.
///
/// A rule (a document's status change, an aggregation, a shipment's answer, an
/// emission's reservation, a new token, ...) reads what it needs through the storage
/// layer and describes its writes here; it writes nothing itself. The
/// ``Committer`` applies a changeset as one atomic write batch, with the registry's
/// applied sequence, so that two stores in the same state fed the same changesets
/// stay byte-identical. ``encoded()`` turns it into the bytes a replicated log
/// carries, compactly: code records prefix-compressed, an emission as its range.
///
/// Keys are built only by the storage layer's typed methods (`putDocument`,
/// `putCode`, `deletePackageContents`, ...), each next to its family's key layout.
///
/// Code writes name the record they replace, so the changeset also tallies how codes
/// move between owners and statuses (``CodeTally``); the committer folds that into the
/// analytics counters of the same batch (`AnalyticsStorage.swift`).
public struct Changeset: Sendable, Equatable {
    /// One write to a family other than the code records.
    enum Operation: Sendable, Equatable {
        case put(StoreFamily, key: [UInt8], value: [UInt8])
        case delete(StoreFamily, key: [UInt8])
        /// Deletes the keys in `[from, to)`.
        case deleteRange(StoreFamily, from: [UInt8], to: [UInt8])

        /// The family written, which tells the record cache whether to forget codes.
        var family: StoreFamily {
            switch self {
            case .put(let family, _, _), .delete(let family, _), .deleteRange(let family, _, _): family
            }
        }
    }

    /// Writes outside `codes`, applied first, in order.
    private(set) var operations: [Operation] = []
    /// New code records, in parts that may have been staged on several threads.
    public private(set) var codeParts: [CodeWrites] = []
    /// Order ranges whose records are derived, not listed (see ``EmissionRange``).
    public private(set) var emissions: [EmissionRange] = []
    /// How the code writes move codes between owners and statuses, until folded.
    var tally = CodeTally()

    public init() {}

    /// Whether the changeset writes nothing.
    public var isEmpty: Bool { operations.isEmpty && codeCount == 0 && emissions.isEmpty }

    /// The code records it writes (emission ranges aside).
    public var codeCount: Int { codeParts.reduce(0) { $0 + $1.count } }

    /// The writes outside `codes`.
    public var operationCount: Int { operations.count }

    // MARK: Building (storage layer only)

    mutating func put(_ key: [UInt8], _ value: [UInt8], in family: StoreFamily) {
        operations.append(.put(family, key: key, value: value))
    }

    mutating func delete(_ key: [UInt8], in family: StoreFamily) {
        operations.append(.delete(family, key: key))
    }

    mutating func deleteRange(from start: [UInt8], to end: [UInt8], in family: StoreFamily) {
        operations.append(.deleteRange(family, from: start, to: end))
    }

    // MARK: Building (rules)

    /// Writes the record of one code, which replaces `old` (`nil`: a new code).
    public mutating func putCode(_ ref: CodeRef, _ record: CodeRecord, replacing old: CodeRecord?) {
        if codeParts.isEmpty { codeParts.append(CodeWrites()) }
        tally.add(gtin: ref.gtin, from: old, to: record)
        codeParts[codeParts.count - 1].append(ref, record)
    }

    /// Adds records staged elsewhere (one part per thread of a large document).
    public mutating func append(_ part: CodeWrites) {
        guard part.count > 0 else { return }
        var part = part
        tally.merge(part.takeTally())
        codeParts.append(part)
    }

    /// Derives and writes the records of an order's range (``Committer/materialize(_:progress:)``),
    /// counted as one block of new codes.
    public mutating func emit(_ range: EmissionRange) {
        emissions.append(range)
        tally.add(gtin: range.gtin, from: nil, to: range.record, count: Int64(range.count))
    }

    /// Adds every write of `other`, after this one's.
    public mutating func append(contentsOf other: Changeset) {
        operations += other.operations
        codeParts += other.codeParts
        emissions += other.emissions
        tally.merge(other.tally)
    }

    /// Drops the code records (a refused document keeps only its own state).
    public mutating func removeCodes() {
        codeParts = []
        tally = CodeTally()
        for range in emissions { tally.add(gtin: range.gtin, from: nil, to: range.record, count: Int64(range.count)) }
    }

    /// Equal when they write the same: the tally is derived from the writes and
    /// is folded into them before a changeset leaves the committer.
    public static func == (lhs: Changeset, rhs: Changeset) -> Bool {
        lhs.operations == rhs.operations && lhs.codeParts == rhs.codeParts && lhs.emissions == rhs.emissions
    }

    /// Builds a changeset from decoded parts (``init(decoding:)``).
    init(operations: [Operation], codeParts: [CodeWrites], emissions: [EmissionRange]) {
        self.operations = operations
        self.codeParts = codeParts
        self.emissions = emissions
    }
}
