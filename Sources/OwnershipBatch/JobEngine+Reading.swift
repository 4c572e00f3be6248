import Foundation
import MarkingCore

/// Reading documents, codes' packages and package contents back.
extension JobEngine {
    /// The stored document `id`, or `nil`.
    public func document(_ id: UInt64) throws(MarkingError) -> Document? {
        guard let bytes = try store.document(id) else { return nil }
        do {
            return try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "document \(id) is unreadable")
        }
    }

    /// A code's record and the packages it sits in, innermost first.
    public func trace(_ code: MarkingCode) throws(MarkingError) -> CodeTrace? {
        guard let record = try store.record(for: code.cis) else { return nil }
        var parents: [PackageRecord] = []
        var parent = record.parent
        while parent != 0, parents.count < 8, let package = try packages.record(id: parent) {
            parents.append(package)
            parent = package.parent
        }
        return CodeTrace(record: record, packages: parents)
    }

    /// The package with the internal id `id` (as in a record's `parent`), or `nil`.
    public func package(id: UInt64) throws(MarkingError) -> PackageRecord? {
        try packages.record(id: id)
    }

    /// A package and what it holds: its direct children and the units inside it at any depth.
    public func contents(of label: String) throws(MarkingError) -> PackageContents? {
        guard let record = try package(labelled: label) else { return nil }
        return try contents(of: record)
    }

    /// The package registered under `label` (an SSCC or a group package's code), or
    /// `nil`: one point read, so a caller can be authorized before its tree is walked.
    public func package(labelled label: String) throws(MarkingError) -> PackageRecord? {
        let line = Array(label.utf8)
        let packageLabel: PackageLabel
        switch parseLine(line[...]) {
        case .sscc(let digits): packageLabel = .sscc(digits)
        case .code(let ref, _): packageLabel = .code(ref)
        case .malformed(let problem): throw MarkingError(.invalidInput, "cannot read package label: \(problem)")
        }
        return try packages.record(packageLabel)
    }

    /// What `record` holds: its direct children and the units inside it at any depth
    /// (a walk of its whole tree).
    public func contents(of record: PackageRecord) throws(MarkingError) -> PackageContents {
        try { () throws(MarkingError) -> PackageContents in
            let children = try packages.children(of: record.id)
            var total = children.units.count
            var pending = children.packages
            var childPackages: [PackageRecord] = []
            while let id = pending.popLast() {
                let inner = try packages.children(of: id)
                total += inner.units.count
                pending += inner.packages
                if let child = try packages.record(id: id), child.parent == record.id { childPackages.append(child) }
            }
            return PackageContents(
                package: record, units: children.units.map { store.cis(for: $0) }, packages: childPackages,
                totalUnits: total)
        }()
    }
}


/// A code's record and the packages around it.
public struct CodeTrace: Sendable {
    public let record: CodeRecord
    /// Innermost first.
    public let packages: [PackageRecord]
}

/// A package and its contents.
public struct PackageContents: Sendable {
    public let package: PackageRecord
    /// Units directly inside.
    public let units: [CIS]
    /// Packages directly inside.
    public let packages: [PackageRecord]
    /// Units inside at any depth.
    public let totalUnits: Int
}
