import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// The checks every document makes on every code, and the per-code verdict of a
/// status change.
extension DocumentWork {

    mutating func check() throws(MarkingError) {
        switch command.type {
        case .aggregation: try checkAggregation()
        case .disaggregation: try checkDisaggregation()
        default: try checkStatusChange()
        }
    }

    /// Per-code checks every document makes; returns whether the code passed.
    mutating func passesCommonChecks(_ unit: Unit, seen: inout DuplicateFinder) -> Bool {
        guard seen.isFirst(unit.ref) else {
            refuse(line: unit.line, .duplicateCode, "the code appears more than once in the document (line \(unit.line))")
            return false
        }
        switch Self.usableRecord(of: unit, "the code on line \(unit.line)", participant: document.participant, store: store) {
        case .success: return true
        case .failure(let refusal):
            refuse(line: unit.line, refusal.reason, refusal.detail)
            return false
        }
    }

    /// Why a code may not be used: a refusal's reason and detail, before its line is known.
    struct CodeRefusal: Error {
        var reason: RefusalReason
        var detail: String
        /// Whose the code is (for the admin only), or which shipment holds it.
        var owner: UInt32? = nil
        var shipment: UInt64? = nil
    }

    /// The record of `unit` when a document of `participant` may use its code (called
    /// `what` in the detail), or why not: unknown, forged, someone else's, or reserved
    /// by a shipment. The checks every document makes on every code, in one place.
    ///
    /// `what` is only made for a refusal: this runs on every code of every document.
    static func usableRecord(
        of unit: Unit, _ what: @autoclosure () -> String, participant: UInt32, store: MarkingStore
    ) -> Result<CodeRecord, CodeRefusal> {
        guard let record = unit.record else {
            return .failure(CodeRefusal(reason: .unknownCode, detail: "\(what()) is not known to the store"))
        }
        guard hasGenuineTail(unit, record, store: store) else {
            return .failure(CodeRefusal(reason: .forgedCode, detail: "the crypto tail of \(what()) does not verify"))
        }
        guard record.owner == participant else {
            return .failure(CodeRefusal(reason: .notOwner, detail: "\(what()) belongs to another participant", owner: record.owner))
        }
        guard !record.flags.contains(.inShipment) else {
            return .failure(CodeRefusal(reason: .inShipment, detail: inShipment(what(), record.lastDocument), shipment: record.lastDocument))
        }
        return .success(record)
    }

    /// The detail of an `IN_SHIPMENT` refusal: what is reserved, and by which document.
    /// Naming it reveals nothing: only a code's owner ships it, and the owner check
    /// comes first, so the shipment is the submitter's own document.
    static func inShipment(_ what: String, _ document: UInt64) -> String {
        "\(what) is in shipment document \(document), waiting for its receiver to accept or reject it"
    }

    /// Whether the tail listed with `unit`, if any, is the one its code carries.
    func hasGenuineTail(_ unit: Unit, _ record: CodeRecord) -> Bool {
        Self.hasGenuineTail(unit, record, store: store)
    }

    static func hasGenuineTail(_ unit: Unit, _ record: CodeRecord, store: MarkingStore) -> Bool {
        switch unit.tail {
        case .invalid: false
        case .short(let tail):
            JobEngine.TailCheck.pack((store.signer.tail(for: store.cis(for: unit.ref), kind: .shortMAC, keyID: record.keyID) ?? "").utf8) == tail
        case .none, .valid: true
        }
    }

    /// Refuses a code whose status the document type does not apply to, naming both.
    mutating func refuseStatus(_ type: DocumentType, line: Int, _ what: String, _ record: CodeRecord) {
        let needed = LifeCycle.rule(for: type).from.map(\.name).sorted().joined(separator: " or ")
        refuse(line: line, .wrongStatus, "\(what) is \(record.status); \(type.rawValue) needs \(needed)")
    }

    /// What a status-change document makes of one code.
    enum Verdict {
        case change(CodeRecord)
        case refuse(RefusalReason, String, owner: UInt32? = nil, shipment: UInt64? = nil)
    }

    /// The per-code checks of a status-change document, duplicates aside: a value
    /// that parts of a large document share across threads.
    struct StatusChecker: Sendable {
        let store: MarkingStore
        let participant: UInt32
        let movedPackages: Set<UInt64>
        let rule: LifeCycle.Rule
        let effect: StatusEffect

        /// The new record of `unit`, or why it is refused.
        func verdict(_ unit: Unit) -> Verdict {
            var record: CodeRecord
            switch DocumentWork.usableRecord(of: unit, "the code on line \(unit.line)", participant: participant, store: store) {
            case .success(let usable): record = usable
            case .failure(let refusal): return .refuse(refusal.reason, refusal.detail, owner: refusal.owner, shipment: refusal.shipment)
            }
            guard rule.allows(effect.type, record) else {
                let needed = rule.from.map(\.name).sorted().joined(separator: " or ")
                let extra = effect.type == .retailReturn && record.status == .retired ? " retired by a retail sale" : ""
                return .refuse(.wrongStatus, "the code on line \(unit.line) is \(record.status); \(effect.type.rawValue) needs \(needed)\(extra)")
            }
            if unit.direct, record.parent != 0, !movedPackages.contains(record.parent) {
                return .refuse(.inPackage, "the code on line \(unit.line) is packed in package \(record.parent); list the package, or disaggregate it first")
            }
            effect.apply(to: &record)
            return .change(record)
        }
    }

}
