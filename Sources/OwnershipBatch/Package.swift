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

/// What identifies a package: an SSCC for a transport package, a marking code for a
/// group package.
public enum PackageLabel: Hashable, Sendable, CustomStringConvertible {
    case sscc(String)
    case code(CodeRef)

    /// The bytes under which the package is stored.
    var storageKey: [UInt8] {
        switch self {
        case .sscc(let digits): [UInt8(ascii: "S")] + Array(digits.utf8)
        case .code(let ref): [UInt8(ascii: "K")] + ref.key
        }
    }

    init?(storageKey bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "S") {
            self = .sscc(String(decoding: bytes.dropFirst(), as: UTF8.self))
        } else if first == UInt8(ascii: "K"), let ref = CodeRef(key: bytes.dropFirst()) {
            self = .code(ref)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .sscc(let digits): "(00)\(digits)"
        case .code(let ref): "code \(ref.gtin)/\(ref.preimage)"
        }
    }

    /// Reads an SSCC in the shapes scanners give: `00` + 18 digits, `(00)` + 18 digits,
    /// with or without a leading `]C1`/`]d2`/0xE8. Returns `nil` when the text is not
    /// shaped like an SSCC at all, and throws when it is but its check digit is wrong.
    public static func sscc(from line: some Collection<UInt8>) throws(MarkingError) -> String? {
        // Marking codes start with "01" or "(01)" after their prefix; only lines that
        // start with "00" or "(00)" are copied and read further.
        var start = line.startIndex
        var lead: [UInt8] = []
        lead.reserveCapacity(4)
        var index = start
        while lead.count < 4, index != line.endIndex {
            lead.append(line[index])
            index = line.index(after: index)
        }
        var skip = 0
        if lead.starts(with: [0x5D, 0x43, 0x31]) || lead.starts(with: [0x5D, 0x64, 0x32]) || lead.starts(with: [0x5D, 0x51, 0x33]) {
            skip = 3
        } else if lead.first == 0xE8 || lead.first == 0x1D {
            skip = 1
        }
        start = line.index(start, offsetBy: skip, limitedBy: line.endIndex) ?? line.endIndex
        var bytes = Array(line[start...].prefix(4))
        let looksLikeSSCC = bytes.starts(with: [0x30, 0x30]) || bytes.starts(with: [0x28, 0x30, 0x30, 0x29])
        guard looksLikeSSCC else { return nil }
        bytes = Array(line[start...])
        while let last = bytes.last, last == 0x20 || last == 0x0D || last == 0x09 { bytes.removeLast() }
        if bytes.starts(with: [0x28, 0x30, 0x30, 0x29]) {
            bytes.removeFirst(4)
        } else {
            bytes.removeFirst(2)
        }
        guard bytes.count == 18, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw MarkingError(.invalidInput, "an SSCC (AI 00) needs exactly 18 digits")
        }
        let digits = String(decoding: bytes, as: UTF8.self)
        let value = UInt64(digits)!
        let expected = GTIN.checkDigit(of: value / 10)
        guard value % 10 == expected else {
            throw MarkingError(.invalidInput, "SSCC \(digits) has check digit \(value % 10), expected \(expected)")
        }
        return digits
    }
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

/// Where packages live in the `aggregates` family:
///
/// | key | value |
/// |---|---|
/// | `L` + label | ``PackageRecord`` (JSON) |
/// | `I` + id | label |
/// | `C` + id + `U` + code key | empty: a unit in the package |
/// | `C` + id + `P` + child id | empty: a package in the package |
enum PackageKeys {
    static func record(_ label: PackageLabel) -> [UInt8] { [UInt8(ascii: "L")] + label.storageKey }
    static func index(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "I")] + bigEndian(id) }
    static func contents(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "C")] + bigEndian(id) }
    static func unit(_ id: UInt64, _ ref: CodeRef) -> [UInt8] { contents(id) + [UInt8(ascii: "U")] + ref.key }
    static func package(_ id: UInt64, _ child: UInt64) -> [UInt8] { contents(id) + [UInt8(ascii: "P")] + bigEndian(child) }

    static func bigEndian(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
}

/// Reads packages and their contents.
struct PackageReader {
    let store: MarkingStore

    func record(_ label: PackageLabel) throws -> PackageRecord? {
        guard let bytes = try store.database.get(PackageKeys.record(label), in: store.families.aggregates) else { return nil }
        return try JSONDecoder().decode(PackageRecord.self, from: Data(bytes))
    }

    func label(of id: UInt64) throws -> PackageLabel? {
        try store.database.get(PackageKeys.index(id), in: store.families.aggregates).flatMap(PackageLabel.init(storageKey:))
    }

    func record(id: UInt64) throws -> PackageRecord? {
        guard let label = try label(of: id) else { return nil }
        return try record(label)
    }

    /// The direct children of package `id`.
    func children(of id: UInt64) throws -> (units: [CodeRef], packages: [UInt64]) {
        let prefix = PackageKeys.contents(id)
        var upper = prefix
        upper[upper.count - 1] &+= 1
        let cursor = try Cursor(store.database, family: store.families.aggregates, from: prefix, to: upper)
        var units: [CodeRef] = []
        var packages: [UInt64] = []
        while cursor.isValid {
            let key = cursor.key
            let rest = key[prefix.count...]
            if rest.first == UInt8(ascii: "U"), let ref = CodeRef(key: rest.dropFirst()) {
                units.append(ref)
            } else if rest.first == UInt8(ascii: "P"), rest.count == 9 {
                packages.append(rest.dropFirst().reduce(0) { $0 << 8 | UInt64($1) })
            }
            cursor.next()
        }
        try cursor.checkStatus()
        return (units, packages)
    }
}
