import Foundation
import MarkingCore
import RocksDB

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

