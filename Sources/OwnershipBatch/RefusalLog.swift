import MarkingCore

/// Finds codes listed twice: by comparing neighbours when the codes come in key order,
/// with a set otherwise.
struct DuplicateFinder {
    private let sorted: Bool
    private var previous: CodeRef?
    private var seen = Set<CodeRef>()

    init(sorted: Bool) { self.sorted = sorted }

    /// Whether `ref` has not been seen before; remembers it.
    mutating func isFirst(_ ref: CodeRef) -> Bool {
        if sorted {
            defer { previous = ref }
            return previous != ref
        }
        return seen.insert(ref).inserted
    }
}

/// Refused codes: counted per reason, and the ones on the lowest lines kept in line
/// order (codes are checked in key order, not line order), so that a document reports
/// its first refused codes.
struct RefusalLog: Sendable {
    var counts: [RefusalReason: Int] = [:]
    var refused: [Refusal] = []

    var isEmpty: Bool { refused.isEmpty }

    mutating func add(_ refusal: Refusal) {
        counts[refusal.reason, default: 0] += 1
        keep(refusal)
    }

    private mutating func keep(_ refusal: Refusal) {
        guard refused.count < JobEngine.reportedRefusals || refusal.line < refused[refused.count - 1].line else { return }
        let position = refused.lastIndex { $0.line <= refusal.line }.map { $0 + 1 } ?? 0
        refused.insert(refusal, at: position)
        if refused.count > JobEngine.reportedRefusals { refused.removeLast() }
    }

    /// Adds another log's counts and refusals.
    mutating func merge(_ other: RefusalLog) {
        for (reason, count) in other.counts { counts[reason, default: 0] += count }
        for refusal in other.refused { keep(refusal) }
    }
}

/// What a status-change document does to each of its codes, from the life-cycle table
/// and the document's fields.
struct StatusEffect: Sendable {
    let type: DocumentType
    let receiver: UInt32?
    let reason: ExitReason?
    let document: UInt64
    /// A two-step transfer: the code is reserved for the shipment, its owner kept.
    let shipment: Bool
    private let status: CodeStatus?

    init(type: DocumentType, receiver: UInt32?, reason: ExitReason?, document: UInt64, shipment: Bool = false) {
        self.type = type
        self.receiver = receiver
        self.reason = reason
        self.document = document
        self.shipment = shipment
        status = LifeCycle.rule(for: type).to
    }

    func apply(to record: inout CodeRecord) {
        if let status { record.status = status }
        if type == .transfer, let receiver {
            if shipment {
                record.flags.insert(.inShipment)
            } else {
                record.owner = receiver
            }
        }
        switch type {
        case .retirement, .writeOff: record.reason = reason?.rawValue ?? 0
        case .retailReturn: record.reason = 0
        default: break
        }
        record.lastDocument = document
    }
}

