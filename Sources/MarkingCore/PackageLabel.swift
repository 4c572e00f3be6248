import Foundation

/// What identifies a package: an SSCC for a transport package, a marking code for a
/// group package.
public enum PackageLabel: Hashable, Sendable, CustomStringConvertible {
    case sscc(String)
    case code(CodeRef)

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

