import Dispatch
import Foundation
import MarkingCore
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
    var changeset = Changeset()
    var refused: [Refusal] = []
    var refusalCounts: [RefusalReason: Int] = [:]
    var changed = 0

    var units: [Unit] = []
    /// Whether `units` is one sorted run (no codes were added from packages), so that a
    /// duplicate can only sit right after its twin.
    var unitsAreOneSortedRun = true
    var lineText: (Int) -> String = { _ in "" }
    /// Packages the document moves as a whole, by id.
    var movedPackages: [UInt64: (PackageLabel, PackageRecord)] = [:]
    /// Packages a disaggregation unpacks.
    var unpacked: [(PackageLabel, PackageRecord, line: Int)] = []
    /// The package an aggregation fills, and whether it exists yet.
    var target: (label: PackageLabel, record: PackageRecord, isNew: Bool)?
    var targetUnit: Unit?

    var store: MarkingStore { engine.store }

    init(document: Document, engine: JobEngine, command: DocumentCommand) {
        self.document = document
        self.engine = engine
        self.command = command
    }

    mutating func refuse(line: Int, _ reason: RefusalReason, _ detail: String, owner: UInt32? = nil, shipment: UInt64? = nil) {
        var log = RefusalLog(counts: refusalCounts, refused: refused)
        log.add(Refusal(line: line, code: line > 0 ? lineText(line) : "", reason: reason, detail: detail, owner: owner, shipment: shipment))
        refusalCounts = log.counts
        refused = log.refused
    }

    // MARK: Collecting

    mutating func collect(_ lines: [JobEngine.Line]) throws(MarkingError) {
        let codes = command.codes
        lineText = { Refusal.excerpt(codes.line($0 - 1)) }
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
    mutating func takePackage(_ label: PackageLabel, _ package: PackageRecord, line: Int, type: DocumentType) throws(MarkingError) {
        guard package.owner == document.participant else {
            refuse(line: line, .notOwner, "package \(package.label) belongs to another participant", owner: package.owner)
            return
        }
        if let shipment = package.shipment {
            refuse(line: line, .inShipment, Self.inShipment("package \(package.label)", shipment), shipment: shipment)
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
    mutating func expand(_ package: PackageRecord, label: PackageLabel, line: Int, includeOwnCode: Bool) throws(MarkingError) {
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
    mutating func readRecords(from start: Int) throws(MarkingError) {
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

    static func isSorted(_ units: ArraySlice<Unit>) -> Bool {
        var previous: CodeRef?
        for unit in units {
            if let previous, unit.ref < previous { return false }
            previous = unit.ref
        }
        return true
    }

    mutating func findTarget(_ text: String, kind requested: PackageKind?) throws(MarkingError) {
        let label: PackageLabel
        // What the package is shown as: the SSCC, or the group package code's CIS. Never
        // the text as sent: a group package's code carries its crypto tail, which the
        // public (who sees the packages around a code) must not learn.
        let display: String
        if let digits = try PackageLabel.sscc(from: Array(text.utf8)) {
            label = .sscc(digits)
            display = "(00)\(digits)"
        } else {
            let code: MarkingCode
            do {
                code = try store.parser.parse(text)
            } catch {
                throw MarkingError(.store, "\(error)")
            }
            label = .code(store.ref(for: code.cis))
            display = MarkingCode(cis: code.cis).humanReadable
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
            let record = PackageRecord(
                id: id, kind: kind, label: display, owner: document.participant, parent: 0, units: 0, packages: 0,
                createdAt: MarkingStore.now())
            target = (label, record, true)
        }
    }
}
