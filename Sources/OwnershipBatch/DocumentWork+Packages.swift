import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// Aggregation (filling a package) and disaggregation (unpacking one): their
/// checks and the records and package entries they stage.
extension DocumentWork {
    mutating func checkAggregation() throws(MarkingError) {
        guard var target else { return }
        if let targetUnit {
            let record: CodeRecord
            switch Self.usableRecord(of: targetUnit, "the group package code \(target.record.label)", participant: document.participant, store: store) {
            case .success(let usable): record = usable
            case .failure(let refusal):
                refuse(line: 0, refusal.reason, refusal.detail, owner: refusal.owner, shipment: refusal.shipment)
                return
            }
            guard LifeCycle.allows(.aggregation, record) else {
                refuseStatus(.aggregation, line: 0, "the group package code", record)
                return
            }
        }
        guard target.record.owner == document.participant else {
            refuse(line: 0, .notOwner, "package \(target.record.label) belongs to another participant", owner: target.record.owner)
            return
        }
        if let shipment = target.record.shipment {
            refuse(line: 0, .inShipment, Self.inShipment("package \(target.record.label)", shipment), shipment: shipment)
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
        for (ref, old) in childUnits {
            var record = old
            record.parent = id
            record.lastDocument = document.id
            stage(ref, record, replacing: old)
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
        if let targetUnit, let old = targetUnit.record {
            var record = old
            record.flags.insert(.package)
            record.lastDocument = document.id
            stage(targetUnit.ref, record, replacing: old)
        }
        try stage(target.label, target.record)
        if target.isNew {
            changeset.putPackageLabel(target.label, id: id)
        }
        self.target = target
    }

    mutating func checkDisaggregation() throws(MarkingError) {
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
                stage(ref, record, replacing: records[ref])
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
                    stage(ref, record, replacing: records[ref])
                }
            }
            changeset.deletePackage(package.id, label: label)
            if case .code(let ref) = label, var record = records[ref] {
                record.flags.remove(.package)
                record.lastDocument = document.id
                stage(ref, record, replacing: records[ref])
            }
        }
    }

    // MARK: Staging

    mutating func stage(_ ref: CodeRef, _ record: CodeRecord, replacing old: CodeRecord?) {
        changeset.putCode(ref, record, replacing: old)
        changed += 1
    }

    mutating func stage(_ label: PackageLabel, _ package: PackageRecord) throws(MarkingError) {
        changeset.putPackage(label, try engine.encode(package))
    }
}
