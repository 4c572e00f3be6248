import Dispatch
import Foundation
import MarkingCore
import RocksDB
import Synchronization

/// The validation of one document and the changeset it returns, built under the
/// store's commit order: collect the codes (expanding packages), read their records
/// in key order, check each against the life-cycle table and the document's rules,
/// and, only if nothing was refused, stage every change in one ``Changeset``. It
/// writes nothing itself; the ``Committer`` does.
struct DocumentWork {
    /// A code the document touches.
    struct Unit: Sendable {
        var ref: CodeRef
        /// 1-based line of the document that brought this code in.
        var line: Int
        /// Listed in the document itself, rather than found inside a listed package.
        var direct: Bool
        var tail: JobEngine.TailCheck
        var record: CodeRecord?
    }

    var document: Document
    let engine: JobEngine
    let command: DocumentCommand
    private(set) var changeset = Changeset()
    var refused: [Refusal] = []
    var refusalCounts: [RefusalReason: Int] = [:]
    var changed = 0

    private var units: [Unit] = []
    /// Whether `units` is one sorted run (no codes were added from packages), so that a
    /// duplicate can only sit right after its twin.
    private var unitsAreOneSortedRun = true
    private var lineText: (Int) -> String = { _ in "" }
    /// Packages the document moves as a whole, by id.
    private var movedPackages: [UInt64: (PackageLabel, PackageRecord)] = [:]
    /// Packages a disaggregation unpacks.
    private var unpacked: [(PackageLabel, PackageRecord, line: Int)] = []
    /// The package an aggregation fills, and whether it exists yet.
    private var target: (label: PackageLabel, record: PackageRecord, isNew: Bool)?
    private var targetUnit: Unit?

    private var store: MarkingStore { engine.store }

    init(document: Document, engine: JobEngine, command: DocumentCommand) {
        self.document = document
        self.engine = engine
        self.command = command
    }

    mutating func refuse(line: Int, _ reason: RefusalReason, _ detail: String) {
        var log = RefusalLog(counts: refusalCounts, refused: refused)
        log.add(Refusal(line: line, code: line > 0 ? lineText(line) : "", reason: reason, detail: detail))
        refusalCounts = log.counts
        refused = log.refused
    }

    // MARK: Collecting

    mutating func collect(_ lines: [JobEngine.Line]) throws(MarkingError) {
        let codes = command.codes
        lineText = { String(decoding: codes.line($0 - 1), as: UTF8.self) }
        if case .aggregation(let package, let kind) = command.kind { try findTarget(package, kind: kind) }
        units.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let number = index + 1
            switch line {
            case .malformed(let problem):
                refuse(line: number, .malformedCode, "line \(number) is not a marking code or SSCC: \(problem)")
            case .code(let ref, let tail):
                units.append(Unit(ref: ref, line: number, direct: true, tail: tail))
            case .sscc(let digits):
                let label = PackageLabel.sscc(digits)
                switch command.type {
                case .aggregation:
                    refuse(line: number, .nesting, "transport package (00)\(digits) cannot be put inside another package")
                default:
                    guard let package = try engine.packages.record(label) else {
                        refuse(line: number, .unknownPackage, "no package has SSCC \(digits)")
                        continue
                    }
                    try takePackage(label, package, line: number, type: command.type)
                }
            }
        }
        try readRecords(from: 0)
        // Group packages listed by their own code: move or unpack them as packages.
        if command.type != .aggregation {
            let listed = units.count
            for index in 0..<listed where units[index].direct {
                guard let record = units[index].record, record.flags.contains(.package) else { continue }
                let label = PackageLabel.code(units[index].ref)
                if let package = try engine.packages.record(label) {
                    if command.type == .disaggregation {
                        units[index].direct = false
                        if hasGenuineTail(units[index], record) {
                            try takePackage(label, package, line: units[index].line, type: command.type)
                        } else {
                            refuse(line: units[index].line, .forgedCode, "the crypto tail of the code on line \(units[index].line) does not verify")
                        }
                    } else {
                        try expand(package, label: label, line: units[index].line, includeOwnCode: false)
                    }
                }
            }
            try readRecords(from: listed)
        }
    }

    /// A package listed in a document that moves it (transfer, retirement, ...) or
    /// unpacks it (disaggregation).
    private mutating func takePackage(_ label: PackageLabel, _ package: PackageRecord, line: Int, type: DocumentType) throws(MarkingError) {
        guard package.owner == document.participant else {
            refuse(line: line, .notOwner, "package \(package.label) belongs to participant \(package.owner)")
            return
        }
        if let shipment = package.shipment {
            refuse(line: line, .inShipment, Self.inShipment("package \(package.label)", shipment))
            return
        }
        if type == .disaggregation {
            guard package.parent == 0 else {
                refuse(line: line, .inPackage, "package \(package.label) is inside another package; unpack that one first")
                return
            }
            guard !unpacked.contains(where: { $0.1.id == package.id }) else {
                refuse(line: line, .duplicateCode, "package \(package.label) appears more than once in the document (line \(line))")
                return
            }
            unpacked.append((label, package, line))
            return
        }
        try expand(package, label: label, line: line, includeOwnCode: true)
    }

    /// Adds every unit inside `package`, at any depth, and the group codes of the
    /// packages on the way.
    private mutating func expand(_ package: PackageRecord, label: PackageLabel, line: Int, includeOwnCode: Bool) throws(MarkingError) {
        movedPackages[package.id] = (label, package)
        if includeOwnCode, case .code(let ref) = label {
            units.append(Unit(ref: ref, line: line, direct: false, tail: .none))
        }
        let children = try engine.packages.children(of: package.id)
        for ref in children.units {
            units.append(Unit(ref: ref, line: line, direct: false, tail: .none))
        }
        for id in children.packages {
            guard let childLabel = try engine.packages.label(of: id), let child = try engine.packages.record(childLabel) else { continue }
            try expand(child, label: childLabel, line: line, includeOwnCode: true)
        }
    }

    /// Reads the records of `units[start...]`, after sorting them into key order (so
    /// that the changes staged later also go into the memtable in order), through
    /// ``MarkingStore/records(sortedRefs:parts:)``: cursors over dense runs, one
    /// batched MultiGet for the rest.
    private mutating func readRecords(from start: Int) throws(MarkingError) {
        guard start < units.count else { return }
        if start > 0 { unitsAreOneSortedRun = false }
        try Self.readRecords(&units, from: start, store: store, parts: engine.parseShards)
    }

    /// Reads the records of `units[start...]` as ``readRecords(from:)`` describes;
    /// also what accepting or rejecting a shipment reads its reserved codes with.
    static func readRecords(_ units: inout [Unit], from start: Int, store: MarkingStore, parts: Int) throws(MarkingError) {
        if !isSorted(units[start...]) { units[start...].sort { $0.ref < $1.ref } }
        let records = try store.records(sortedRefs: units[start...].map(\.ref), parts: parts)
        for (offset, record) in records.enumerated() { units[start + offset].record = record }
    }

    private static func isSorted(_ units: ArraySlice<Unit>) -> Bool {
        var previous: CodeRef?
        for unit in units {
            if let previous, unit.ref < previous { return false }
            previous = unit.ref
        }
        return true
    }

    private mutating func findTarget(_ text: String, kind requested: PackageKind?) throws(MarkingError) {
        let label: PackageLabel
        if let digits = try PackageLabel.sscc(from: Array(text.utf8)) {
            label = .sscc(digits)
        } else {
            let code: MarkingCode
            do {
                code = try store.parser.parse(text)
            } catch {
                throw MarkingError(.store, "\(error)")
            }
            label = .code(store.ref(for: code.cis))
            let tail: JobEngine.TailCheck = switch code.tailKind {
            case nil: .none
            case .shortMAC?: .short(JobEngine.TailCheck.pack((code.tail ?? "").utf8))
            case .keyIdAndMAC?: store.signer.verify(code) == .valid ? .valid : .invalid
            }
            var unit = Unit(ref: store.ref(for: code.cis), line: 0, direct: true, tail: tail)
            unit.record = try store.record(for: code.cis)
            targetUnit = unit
        }
        let kind: PackageKind = if case .sscc = label { .transport } else { .group }
        if let requested, requested != kind {
            throw MarkingError(.invalidInput, "package \(text) is a \(kind.rawValue) package, not \(requested.rawValue)")
        }
        if let existing = try engine.packages.record(label) {
            target = (label, existing, false)
        } else {
            let id = try store.nextID(.package, in: &changeset)
            let display = if case .sscc(let digits) = label { "(00)\(digits)" } else { text }
            let record = PackageRecord(
                id: id, kind: kind, label: display, owner: document.participant, parent: 0, units: 0, packages: 0,
                createdAt: MarkingStore.now())
            target = (label, record, true)
        }
    }

    // MARK: Checking

    mutating func check() throws(MarkingError) {
        switch command.type {
        case .aggregation: try checkAggregation()
        case .disaggregation: try checkDisaggregation()
        default: try checkStatusChange()
        }
    }

    /// Per-code checks every document makes; returns whether the code passed.
    private mutating func passesCommonChecks(_ unit: Unit, seen: inout DuplicateFinder) -> Bool {
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
            return .failure(CodeRefusal(reason: .notOwner, detail: "\(what()) belongs to participant \(record.owner), not \(participant)"))
        }
        guard !record.flags.contains(.inShipment) else {
            return .failure(CodeRefusal(reason: .inShipment, detail: inShipment(what(), record.lastDocument)))
        }
        return .success(record)
    }

    /// The detail of an `IN_SHIPMENT` refusal: what is reserved, and by which document.
    static func inShipment(_ what: String, _ document: UInt64) -> String {
        "\(what) is in shipment document \(document), waiting for its receiver to accept or reject it"
    }

    /// Whether the tail listed with `unit`, if any, is the one its code carries.
    private func hasGenuineTail(_ unit: Unit, _ record: CodeRecord) -> Bool {
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
    private mutating func refuseStatus(_ type: DocumentType, line: Int, _ what: String, _ record: CodeRecord) {
        let needed = LifeCycle.rule(for: type).from.map(\.name).sorted().joined(separator: " or ")
        refuse(line: line, .wrongStatus, "\(what) is \(record.status); \(type.rawValue) needs \(needed)")
    }

    /// What a status-change document makes of one code.
    enum Verdict {
        case change(CodeRecord)
        case refuse(RefusalReason, String)
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
            case .failure(let refusal): return .refuse(refusal.reason, refusal.detail)
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

    private mutating func checkStatusChange() throws(MarkingError) {
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
                case .refuse(let reason, let detail):
                    refuse(line: unit.line, reason, detail)
                case .change(let record):
                    if refused.isEmpty { stage(unit.ref, record) }
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
    private mutating func stageShipment() {
        guard let receiver = document.receiver else { return }
        let codes = units.compactMap { unit in
            unit.record.map { ReservedCode(ref: unit.ref, previousDocument: $0.lastDocument) }
        }
        changeset.putShipment(document.id, receiver: receiver, codes: codes, packages: movedPackages.values.map(\.0))
    }

    /// ``checkStatusChange(_:)`` for a large document in key order: one part per core,
    /// each checking its contiguous share of the codes and staging its changes into its
    /// own batch; the parts' batches are then joined into the document's one batch.
    private mutating func checkStatusChangeInParts(_ checker: StatusChecker, codes: CodeList) {
        let parts = engine.parseShards
        struct Part: Sendable {
            var log = RefusalLog()
            var codes = CodeWrites()
            var changed = 0
        }
        let results = Mutex<[Int: Part]>([:])
        let units = self.units
        let text: @Sendable (Int) -> String = { line in String(decoding: codes.line(line - 1), as: UTF8.self) }
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
                case .refuse(let reason, let detail):
                    part.log.add(Refusal(line: unit.line, code: text(unit.line), reason: reason, detail: detail))
                case .change(let record):
                    guard part.log.isEmpty else { continue }
                    codes.put(unit.ref, record)
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

    private mutating func checkAggregation() throws(MarkingError) {
        guard var target else { return }
        if let targetUnit {
            let record: CodeRecord
            switch Self.usableRecord(of: targetUnit, "the group package code \(target.record.label)", participant: document.participant, store: store) {
            case .success(let usable): record = usable
            case .failure(let refusal):
                refuse(line: 0, refusal.reason, refusal.detail)
                return
            }
            guard LifeCycle.allows(.aggregation, record) else {
                refuseStatus(.aggregation, line: 0, "the group package code", record)
                return
            }
        }
        guard target.record.owner == document.participant else {
            refuse(line: 0, .notOwner, "package \(target.record.label) belongs to participant \(target.record.owner)")
            return
        }
        if let shipment = target.record.shipment {
            refuse(line: 0, .inShipment, Self.inShipment("package \(target.record.label)", shipment))
            return
        }
        var seen = DuplicateFinder(sorted: unitsAreOneSortedRun)
        var childPackages: [(UInt64, PackageLabel, PackageRecord)] = []
        var childUnits: [(CodeRef, CodeRecord)] = []
        for unit in units {
            if case .code(let targetRef) = target.label, targetRef == unit.ref {
                refuse(line: unit.line, .nesting, "a package cannot contain itself")
                continue
            }
            guard passesCommonChecks(unit, seen: &seen), let record = unit.record else { continue }
            guard LifeCycle.allows(.aggregation, record) else {
                refuseStatus(.aggregation, line: unit.line, "the code on line \(unit.line)", record)
                continue
            }
            guard record.parent == 0 else {
                refuse(line: unit.line, .inPackage, "the code on line \(unit.line) is already in package \(record.parent)")
                continue
            }
            if record.flags.contains(.package) {
                guard target.record.kind == .transport else {
                    refuse(line: unit.line, .nesting, "the group package on line \(unit.line) can only go into a transport package")
                    continue
                }
                let label = PackageLabel.code(unit.ref)
                guard let package = try engine.packages.record(label) else { continue }
                childPackages.append((package.id, label, package))
            }
            childUnits.append((unit.ref, record))
        }
        guard refused.isEmpty else { return }
        let id = target.record.id
        for (ref, var record) in childUnits {
            record.parent = id
            record.lastDocument = document.id
            stage(ref, record)
            if !record.flags.contains(.package) {
                changeset.putPackageUnit(ref, into: id)
                target.record.units += 1
            }
        }
        for (childID, label, var package) in childPackages {
            package.parent = id
            try stage(label, package)
            changeset.putPackageChild(childID, into: id)
            target.record.packages += 1
        }
        if let targetUnit, var record = targetUnit.record {
            record.flags.insert(.package)
            record.lastDocument = document.id
            stage(targetUnit.ref, record)
        }
        try stage(target.label, target.record)
        if target.isNew {
            changeset.putPackageLabel(target.label, id: id)
        }
        self.target = target
    }

    private mutating func checkDisaggregation() throws(MarkingError) {
        for unit in units where unit.direct {
            if let record = unit.record, !LifeCycle.allows(.disaggregation, record) {
                refuseStatus(.disaggregation, line: unit.line, "the code on line \(unit.line)", record)
            } else if unit.record == nil {
                refuse(line: unit.line, .unknownCode, "the code on line \(unit.line) is not known to the store")
            } else {
                refuse(line: unit.line, .unknownPackage, "the code on line \(unit.line) is not a package")
            }
        }
        guard refused.isEmpty else { return }
        // Every record the unpacking touches, read at once in key order: the packages'
        // own codes, their units, and the codes of group packages inside them.
        var contents: [(label: PackageLabel, package: PackageRecord, line: Int, children: PackageChildren, labels: [UInt64: PackageLabel])] = []
        var refs: [CodeRef] = []
        for (label, package, line) in unpacked {
            let children = try store.packageChildren(package.id)
            var labels: [UInt64: PackageLabel] = [:]
            for childID in children.packages {
                guard let childLabel = try store.packageLabel(childID) else { continue }
                labels[childID] = childLabel
                if case .code(let ref) = childLabel { refs.append(ref) }
            }
            if case .code(let ref) = label { refs.append(ref) }
            refs += children.units
            contents.append((label, package, line, children, labels))
        }
        refs.sort()
        let read = try store.records(sortedRefs: refs, parts: engine.parseShards)
        var records: [CodeRef: CodeRecord] = [:]
        records.reserveCapacity(refs.count)
        for (ref, record) in zip(refs, read) { records[ref] = record }
        for (label, package, line, children, labels) in contents {
            if case .code(let ref) = label, let record = records[ref], !LifeCycle.allows(.disaggregation, record) {
                refuseStatus(.disaggregation, line: line, "the code on line \(line)", record)
                continue
            }
            for ref in children.units {
                guard var record = records[ref] else { continue }
                guard LifeCycle.allows(.disaggregation, record) else {
                    refuseStatus(.disaggregation, line: line, "a code inside package \(package.label) on line \(line)", record)
                    continue
                }
                record.parent = 0
                record.lastDocument = document.id
                stage(ref, record)
            }
            for childID in children.packages {
                guard let childLabel = labels[childID], var child = try engine.packages.record(childLabel) else { continue }
                child.parent = 0
                try stage(childLabel, child)
                if case .code(let ref) = childLabel, var record = records[ref] {
                    guard LifeCycle.allows(.disaggregation, record) else {
                        refuseStatus(.disaggregation, line: line, "group package \(child.label) inside package \(package.label) on line \(line)", record)
                        continue
                    }
                    record.parent = 0
                    record.lastDocument = document.id
                    stage(ref, record)
                }
            }
            changeset.deletePackage(package.id, label: label)
            if case .code(let ref) = label, var record = records[ref] {
                record.flags.remove(.package)
                record.lastDocument = document.id
                stage(ref, record)
            }
        }
    }

    // MARK: Staging

    private mutating func stage(_ ref: CodeRef, _ record: CodeRecord) {
        changeset.putCode(ref, record)
        changed += 1
    }

    private mutating func stage(_ label: PackageLabel, _ package: PackageRecord) throws(MarkingError) {
        changeset.putPackage(label, try engine.encode(package))
    }
}

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
