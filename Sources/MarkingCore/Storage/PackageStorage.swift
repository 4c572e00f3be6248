import RocksDB

/// The `aggregates` family: packages and what they hold.
///
/// | key | value |
/// |---|---|
/// | `L` + label | the package record (OwnershipBatch's `PackageRecord`, JSON) |
/// | `I` + package id (8, big-endian) | label |
/// | `C` + package id + `U` + code key | empty: a unit in the package |
/// | `C` + package id + `P` + child id (8, big-endian) | empty: a package in the package |
///
/// A label is `S` + the 18 SSCC digits for a transport package, or `K` + the
/// ``CodeKey`` of a group package's own code. A package's contents are one key range,
/// `C` + id; its end is ``KeyPrefix/successor(of:)``, so that ids ending in 0xFF
/// (255, 511, ...) keep their contents.
enum PackageKeys {
    static func record(_ label: PackageLabel) -> [UInt8] { [UInt8(ascii: "L")] + label.storageKey }
    static func index(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "I")] + bigEndian(id) }
    static func contents(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "C")] + bigEndian(id) }
    static func unit(_ id: UInt64, _ ref: CodeRef) -> [UInt8] { contents(id) + [UInt8(ascii: "U")] + ref.key }
    static func child(_ id: UInt64, _ child: UInt64) -> [UInt8] { contents(id) + [UInt8(ascii: "P")] + bigEndian(child) }
}

extension PackageLabel {
    /// The bytes that name the package in keys and in a shipment's package list.
    var storageKey: [UInt8] {
        switch self {
        case .sscc(let digits): [UInt8(ascii: "S")] + Array(digits.utf8)
        case .code(let ref): [UInt8(ascii: "K")] + ref.key
        }
    }

    init?(storageKey bytes: some Collection<UInt8>) {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "S") {
            self = .sscc(String(decoding: bytes.dropFirst(), as: UTF8.self))
        } else if first == UInt8(ascii: "K"), let ref = CodeRef(key: bytes.dropFirst()) {
            self = .code(ref)
        } else {
            return nil
        }
    }
}

/// The direct children of a package.
public struct PackageChildren: Sendable, Equatable {
    /// Units directly inside, in key order.
    public var units: [CodeRef]
    /// Packages directly inside, by id.
    public var packages: [UInt64]
}

extension MarkingStore {
    /// The stored record of the package labelled `label`.
    public func package(_ label: PackageLabel) throws(MarkingError) -> [UInt8]? {
        try read { try database.get(PackageKeys.record(label), in: families[.aggregates]) }
    }

    /// The label of package `id`.
    public func packageLabel(_ id: UInt64) throws(MarkingError) -> PackageLabel? {
        try read { try database.get(PackageKeys.index(id), in: families[.aggregates]) }.flatMap(PackageLabel.init(storageKey:))
    }

    /// The direct children of package `id`.
    public func packageChildren(_ id: UInt64) throws(MarkingError) -> PackageChildren {
        try read { () throws -> PackageChildren in
            let prefix = PackageKeys.contents(id)
            let cursor = try Cursor(database, family: families[.aggregates], prefix: prefix)
            var children = PackageChildren(units: [], packages: [])
            while cursor.isValid {
                let key = cursor.key
                let rest = key[prefix.count...]
                if rest.first == UInt8(ascii: "U"), let ref = CodeRef(key: rest.dropFirst()) {
                    children.units.append(ref)
                } else if rest.first == UInt8(ascii: "P"), rest.count == 9 {
                    children.packages.append(rest.dropFirst().reduce(0) { $0 << 8 | UInt64($1) })
                }
                cursor.next()
            }
            try cursor.checkStatus()
            return children
        }
    }
}

extension Changeset {
    /// Stores the record of the package labelled `label`.
    public mutating func putPackage(_ label: PackageLabel, _ value: [UInt8]) {
        put(PackageKeys.record(label), value, in: .aggregates)
    }

    /// Indexes a new package's label by its id.
    public mutating func putPackageLabel(_ label: PackageLabel, id: UInt64) {
        put(PackageKeys.index(id), label.storageKey, in: .aggregates)
    }

    /// Puts a unit into package `id`.
    public mutating func putPackageUnit(_ ref: CodeRef, into id: UInt64) {
        put(PackageKeys.unit(id, ref), [], in: .aggregates)
    }

    /// Puts package `child` into package `id`.
    public mutating func putPackageChild(_ child: UInt64, into id: UInt64) {
        put(PackageKeys.child(id, child), [], in: .aggregates)
    }

    /// Removes package `id`: its contents, its record and its label index.
    public mutating func deletePackage(_ id: UInt64, label: PackageLabel) {
        let contents = PackageKeys.contents(id)
        // The tag `C` is below 0xFF, so the successor always exists.
        deleteRange(from: contents, to: KeyPrefix.successor(of: contents)!, in: .aggregates)
        delete(PackageKeys.record(label), in: .aggregates)
        delete(PackageKeys.index(id), in: .aggregates)
    }
}
