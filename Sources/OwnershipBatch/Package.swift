import Foundation
import MarkingCore

/// The packaging level of a package.
public enum PackageKind: String, Sendable, Codable, CaseIterable {
    /// A group package, labelled with a marking code of its own; holds units.
    case group = "GROUP"
    /// A transport package, labelled with an SSCC (AI 00); holds units and group packages.
    case transport = "TRANSPORT"
}

/// A stored package.
public struct PackageRecord: Sendable, Codable, Hashable {
    public var id: UInt64
    public var kind: PackageKind
    /// The SSCC or the group code's CIS, for people.
    public var label: String
    public var owner: UInt32
    /// The package this one sits in (0 = none).
    public var parent: UInt64
    /// Direct children.
    public var units: Int
    public var packages: Int
    public var createdAt: UInt64
    /// The two-step transfer waiting for acceptance that reserves this package and
    /// everything in it (`nil`: none).
    public var shipment: UInt64? = nil
}


/// Reads packages through the storage layer, decoding their records.
struct PackageReader {
    let store: MarkingStore

    func record(_ label: PackageLabel) throws(MarkingError) -> PackageRecord? {
        guard let bytes = try store.package(label) else { return nil }
        do {
            return try JSONDecoder().decode(PackageRecord.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "package \(label) is unreadable")
        }
    }

    func label(of id: UInt64) throws(MarkingError) -> PackageLabel? {
        try store.packageLabel(id)
    }

    func record(id: UInt64) throws(MarkingError) -> PackageRecord? {
        guard let label = try label(of: id) else { return nil }
        return try record(label)
    }

    /// The direct children of package `id`.
    func children(of id: UInt64) throws(MarkingError) -> PackageChildren {
        try store.packageChildren(id)
    }
}
