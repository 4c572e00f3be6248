import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// Status changes (utilisation, introduction, transfer, retirement, write-off,
/// return): one verdict per code from the life-cycle table, checked in parallel parts
/// for large documents, and a shipment's reservations for a two-step transfer.
extension DocumentWork {
    mutating func checkStatusChange() throws(MarkingError) {
        let checker = StatusChecker(
            store: store, participant: document.participant, movedPackages: Set(movedPackages.keys),
            rule: LifeCycle.rule(for: command.type),
            effect: StatusEffect(
                type: command.type, receiver: command.receiver, reason: command.kind.reason, document: document.id,
                shipment: command.acceptance))
        if unitsAreOneSortedRun, units.count >= engine.partThreshold {
            checkStatusChangeInParts(checker, codes: command.codes)
        } else {
            var seen = DuplicateFinder(sorted: unitsAreOneSortedRun)
            for unit in units {
                guard seen.isFirst(unit.ref) else {
                    refuse(line: unit.line, .duplicateCode, "the code appears more than once in the document (line \(unit.line))")
                    continue
                }
                switch checker.verdict(unit) {
                case .refuse(let reason, let detail, let owner, let shipment):
                    refuse(line: unit.line, reason, detail, owner: owner, shipment: shipment)
                case .change(let record):
                    if refused.isEmpty { stage(unit.ref, record, replacing: unit.record) }
                }
            }
        }
        if refused.isEmpty, let receiver = command.receiver {
            for (label, package) in movedPackages.values {
                var moved = package
                if command.acceptance {
                    moved.shipment = document.id
                } else {
                    moved.owner = receiver
                }
                try stage(label, moved)
            }
            if command.acceptance { stageShipment() }
        }
    }

    /// Stores what a shipment reserved, so that accepting or rejecting it needs no
    /// code list: every code's key with its last document before the shipment (a
    /// rejection puts it back), in chunks, and the labels of the packages it moves.
    mutating func stageShipment() {
        guard let receiver = document.receiver else { return }
        let codes = units.compactMap { unit in
            unit.record.map { ReservedCode(ref: unit.ref, previousDocument: $0.lastDocument) }
        }
        changeset.putShipment(document.id, receiver: receiver, codes: codes, packages: movedPackages.values.map(\.0))
    }

    /// ``checkStatusChange(_:)`` for a large document in key order: one part per core,
    /// each checking its contiguous share of the codes and staging its changes into its
    /// own batch; the parts' batches are then joined into the document's one batch.
    mutating func checkStatusChangeInParts(_ checker: StatusChecker, codes: CodeList) {
        let parts = engine.parseShards
        struct Part: Sendable {
            var log = RefusalLog()
            var codes = CodeWrites()
            var changed = 0
        }
        let results = Mutex<[Int: Part]>([:])
        let units = self.units
        let text: @Sendable (Int) -> String = { line in Refusal.excerpt(codes.line(line - 1)) }
        DispatchQueue.concurrentPerform(iterations: parts) { index in
            let lower = units.count * index / parts
            let upper = units.count * (index + 1) / parts
            var part = Part()
            var codes = CodeWrites(capacity: upper - lower)
            var previous: CodeRef? = lower > 0 ? units[lower - 1].ref : nil
            for unit in units[lower..<upper] {
                defer { previous = unit.ref }
                if unit.ref == previous {
                    part.log.add(Refusal(line: unit.line, code: text(unit.line), reason: .duplicateCode, detail: "the code appears more than once in the document (line \(unit.line))"))
                    continue
                }
                switch checker.verdict(unit) {
                case .refuse(let reason, let detail, let owner, let shipment):
                    part.log.add(Refusal(line: unit.line, code: text(unit.line), reason: reason, detail: detail, owner: owner, shipment: shipment))
                case .change(let record):
                    guard part.log.isEmpty else { continue }
                    codes.put(unit.ref, record, replacing: unit.record)
                    part.changed += 1
                }
            }
            if part.log.isEmpty { part.codes = codes }
            results.withLock { $0[index] = part }
        }
        let finished = results.withLock { $0 }
        var log = RefusalLog(counts: refusalCounts, refused: refused)
        for index in 0..<parts { log.merge(finished[index]!.log) }
        refusalCounts = log.counts
        refused = log.refused
        guard refused.isEmpty else { return }
        for index in 0..<parts { changeset.append(finished[index]!.codes) }
        changed += (0..<parts).reduce(0) { $0 + finished[$1]!.changed }
    }

}
