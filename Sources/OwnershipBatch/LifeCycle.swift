import MarkingCore

/// The kinds of document (job) a participant sends, named as on the CRPT platform.
public enum DocumentType: String, Sendable, Codable, CaseIterable {
    /// Codes printed on units: `EMITTED` → `APPLIED`.
    case utilisation = "UTILISATION"
    /// Units put into circulation after production or import: `APPLIED` → `INTRODUCED`.
    case introduction = "INTRODUCTION"
    /// Owner change between participants; the status stays `INTRODUCED`.
    case transfer = "TRANSFER"
    /// Sold at retail or otherwise withdrawn: `INTRODUCED` → `RETIRED`.
    case retirement = "RETIREMENT"
    /// Damaged, lost, destroyed, expired: any status before `RETIRED` → `WRITTEN_OFF`.
    case writeOff = "WRITE_OFF"
    /// A retail return: `RETIRED` by a retail sale → `INTRODUCED`. The only way back.
    case retailReturn = "RETURN"
    /// Units or group packages packed into a package; statuses stay.
    case aggregation = "AGGREGATION"
    /// The contents of packages unpacked; statuses stay.
    case disaggregation = "DISAGGREGATION"
}

/// Why a code left circulation. Stored in the record's reason byte: retirement reasons
/// are 1…9, write-off reasons 10…19; the raw values never change.
public enum ExitReason: UInt8, Sendable, Codable, CaseIterable {
    case retailSale = 1
    case export = 2
    case withdrawal = 3
    case sampling = 4
    case damaged = 10
    case lost = 11
    case destroyed = 12
    case expired = 13

    /// The name used in documents and the API.
    public var name: String {
        switch self {
        case .retailSale: "RETAIL_SALE"
        case .export: "EXPORT"
        case .withdrawal: "WITHDRAWAL"
        case .sampling: "SAMPLING"
        case .damaged: "DAMAGED"
        case .lost: "LOST"
        case .destroyed: "DESTROYED"
        case .expired: "EXPIRED"
        }
    }

    public init?(name: String) {
        guard let reason = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = reason
    }

    /// Whether this reason ends a retirement (as opposed to a write-off).
    public var isRetirement: Bool { rawValue < 10 }
}

/// The one table of allowed status changes. Anything not here is refused, naming the
/// code, its status and the document type.
public enum LifeCycle {
    /// What a document type requires and does.
    public struct Rule: Sendable {
        /// Statuses a code may have for the document to apply to it.
        public let from: Set<CodeStatus>
        /// The status it gets; `nil` keeps the status (transfer, packing).
        public let to: CodeStatus?
    }

    public static let rules: [DocumentType: Rule] = [
        .utilisation: Rule(from: [.emitted], to: .applied),
        .introduction: Rule(from: [.applied], to: .introduced),
        .transfer: Rule(from: [.introduced], to: nil),
        .retirement: Rule(from: [.introduced], to: .retired),
        .writeOff: Rule(from: [.emitted, .applied, .introduced], to: .writtenOff),
        .retailReturn: Rule(from: [.retired], to: .introduced),
        .aggregation: Rule(from: [.applied, .introduced], to: nil),
        .disaggregation: Rule(from: [.applied, .introduced], to: nil),
    ]

    /// The rule of `type`.
    public static func rule(for type: DocumentType) -> Rule { rules[type]! }

    /// Whether `type` may apply to a code in `record`'s state; a retail return also
    /// needs the code to have been retired by a retail sale.
    public static func allows(_ type: DocumentType, _ record: CodeRecord) -> Bool {
        rule(for: type).allows(type, record)
    }
}

extension LifeCycle.Rule {
    /// ``LifeCycle/allows(_:_:)`` with the rule already looked up, for per-code loops.
    public func allows(_ type: DocumentType, _ record: CodeRecord) -> Bool {
        guard from.contains(record.status) else { return false }
        if type == .retailReturn { return record.reason == ExitReason.retailSale.rawValue }
        return true
    }
}
