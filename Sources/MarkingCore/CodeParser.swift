/// Reads marking codes in every shape scanners and people deliver them:
///
/// - with a leading FNC1 as `]d2`, `]C1`, the byte 0xE8 (also as the character `è`,
///   which is what 0xE8 becomes when decoded as Latin-1), a leading GS, or none;
/// - with group separators as the byte 0x1D, the text `<GS>` or the text `\u001d`;
/// - in the human-readable form `(01)…(21)…(91)…(92)…`;
/// - as the CIS alone or with its tail.
///
/// Serial characters include `<`, `>`, `(` and `)`, so a serial may itself contain
/// `<GS>` or `(91)`. The parser therefore reads the serial by the lengths the
/// ``TemplateCatalog`` allows and keeps the reading that consumes the whole input.
public struct CodeParser: Sendable {
    public let catalog: TemplateCatalog
    private let lengths: [Int]

    /// The longest input accepted, far above any real code (18 + 20 + 6 + 4 + 6 + 44).
    public static let maximumLength = 256

    public init(catalog: TemplateCatalog = .standard) {
        self.catalog = catalog
        self.lengths = catalog.serialLengths
    }

    /// Parses one code.
    public func parse(_ text: some StringProtocol) throws(CodeFormatError) -> MarkingCode {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses one code given as raw bytes (as read from a scanner or a file line).
    public func parse(bytes input: [UInt8]) throws(CodeFormatError) -> MarkingCode {
        var start = 0
        var end = input.count
        while start < end, Self.isBlank(input[start]) { start += 1 }
        while end > start, Self.isBlank(input[end - 1]) { end -= 1 }
        guard start < end else { throw CodeFormatError(.empty, at: 1, "the code is empty") }
        guard end - start <= Self.maximumLength else {
            throw CodeFormatError(.tooLong, at: Self.maximumLength + 1, "the code is longer than \(Self.maximumLength) bytes")
        }
        start += Self.prefixLength(input, at: start, end: end)
        let reader = Reader(input: input, end: end)
        if start < end, input[start] == UInt8(ascii: "(") {
            return try parseHumanReadable(reader, at: start)
        }
        return try parseElementString(reader, at: start)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The length of a leading FNC1 symbol identifier, if any.
    private static func prefixLength(_ input: [UInt8], at index: Int, end: Int) -> Int {
        func has(_ literal: StaticString) -> Bool { input.hasLiteral(literal, at: index, end: end) }
        if has("]d2") || has("]C1") || has("]Q3") { return 3 }
        if input[index] == 0xE8 || input[index] == 0x1D { return 1 }
        if has("\u{E8}") { return 2 }
        if has("<GS>") { return 4 }
        if has("\\u001d") || has("\\u001D") { return 6 }
        return 0
    }

    // MARK: Element string: 01…21…<GS>91…<GS>92…

    private func parseElementString(_ reader: Reader, at start: Int) throws(CodeFormatError) -> MarkingCode {
        var index = start
        try reader.expectAI("01", at: &index, after: "the start of the code")
        let gtin = try reader.gtin(at: &index)
        try reader.expectAI("21", at: &index, after: "the GTIN")
        return try readSerialAndTail(reader, gtin: gtin, at: index) { reader, index, serialEnd throws(CodeFormatError) in
            var index = index
            guard index < reader.end else { return (nil, nil, nil) }
            try reader.expectSeparator(at: &index, after: "the serial")
            let ai = try reader.ai(at: &index, expected: ["91", "93"], after: "the separator")
            if ai == "93" {
                let tail = try reader.tail(length: 4, ai: "93", at: &index)
                try reader.expectEnd(at: index)
                return (nil, tail, .shortMAC)
            }
            let keyID = try reader.keyID(at: &index)
            try reader.expectSeparator(at: &index, after: "the key id (AI 91)")
            _ = try reader.ai(at: &index, expected: ["92"], after: "the separator")
            let tail = try reader.tail(length: 44, ai: "92", at: &index)
            try reader.expectEnd(at: index)
            return (keyID, tail, .keyIdAndMAC)
        }
    }

    // MARK: Human-readable: (01)…(21)…(91)…(92)…

    private func parseHumanReadable(_ reader: Reader, at start: Int) throws(CodeFormatError) -> MarkingCode {
        var index = start
        try reader.expectBracketedAI("01", at: &index)
        let gtin = try reader.gtin(at: &index)
        try reader.expectBracketedAI("21", at: &index)
        return try readSerialAndTail(reader, gtin: gtin, at: index) { reader, index, _ throws(CodeFormatError) in
            var index = index
            guard index < reader.end else { return (nil, nil, nil) }
            if reader.hasBracketedAI("93", at: index) {
                index += 4
                let tail = try reader.tail(length: 4, ai: "93", at: &index)
                try reader.expectEnd(at: index)
                return (nil, tail, .shortMAC)
            }
            try reader.expectBracketedAI("91", at: &index, alternatives: "(91) or (93)")
            let keyID = try reader.keyID(at: &index)
            try reader.expectBracketedAI("92", at: &index)
            let tail = try reader.tail(length: 44, ai: "92", at: &index)
            try reader.expectEnd(at: index)
            return (keyID, tail, .keyIdAndMAC)
        }
    }

    /// Tries each serial length the catalog allows and keeps the first reading that
    /// accounts for the whole input; otherwise reports the error of the reading that
    /// got furthest.
    private func readSerialAndTail(
        _ reader: Reader, gtin: GTIN, at index: Int,
        rest: (Reader, Int, Int) throws(CodeFormatError) -> (String?, String?, TailKind?)
    ) throws(CodeFormatError) -> MarkingCode {
        var furthest: CodeFormatError?
        // A reading whose serial of an allowed length is followed directly by AI 91 or
        // 93: the group separator was dropped (keyboard-wedge scanners often do that).
        var missingSeparator: CodeFormatError?
        for length in lengths {
            do {
                let serial = try reader.serial(length: length, at: index)
                let (keyID, tail, kind) = try rest(reader, index + length, index + length)
                return MarkingCode(cis: CIS(gtin: gtin, serial: serial), keyID: keyID, tail: tail, tailKind: kind)
            } catch {
                if furthest == nil || error.position > furthest!.position { furthest = error }
                if missingSeparator == nil, error.code == .expectedSeparator, error.position == index + length + 1,
                    reader.hasText("91", at: index + length) || reader.hasText("93", at: index + length)
                {
                    missingSeparator = error
                }
            }
        }
        let natural = reader.naturalSerialLength(at: index)
        if !lengths.contains(natural) {
            if let invalid = reader.firstNonSerialByte(from: index, count: natural) {
                throw invalid
            }
            if let missingSeparator { throw missingSeparator }
            let allowed = lengths.map(String.init).joined(separator: ", ")
            throw CodeFormatError(
                .serialLength, at: index + 1,
                "the serial (AI 21) has \(natural) characters; templates allow \(allowed)")
        }
        throw furthest!
    }
}

/// A cursor-free view of the input: every method takes and advances an explicit index,
/// so that the serial-length candidates can be tried from the same position.
private struct Reader {
    let input: [UInt8]
    let end: Int

    func describe(_ index: Int) -> String {
        guard index < end else { return "the end of the code" }
        let byte = input[index]
        if byte == 0x1D { return "a group separator" }
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "the byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    func text(_ index: Int, _ count: Int) -> String {
        String(decoding: input[index..<min(index + count, end)], as: UTF8.self)
    }

    func expectAI(_ ai: String, at index: inout Int, after context: String) throws(CodeFormatError) {
        guard hasText(ai, at: index) else {
            let found = end - index >= 2 ? "'\(text(index, 2))'" : describe(index)
            throw CodeFormatError(.expectedAI, at: index + 1, "expected AI \(ai) after \(context), found \(found)")
        }
        index += 2
    }

    func ai(at index: inout Int, expected: [String], after context: String) throws(CodeFormatError) -> String {
        for ai in expected {
            if hasText(ai, at: index) {
                index += 2
                return ai
            }
        }
        let found = end - index >= 2 ? "'\(text(index, 2))'" : describe(index)
        let list = expected.map { "AI \($0)" }.joined(separator: " or ")
        throw CodeFormatError(.expectedAI, at: index + 1, "expected \(list) after \(context), found \(found)")
    }

    func hasBracketedAI(_ ai: String, at index: Int) -> Bool {
        end - index >= 4 && input[index] == UInt8(ascii: "(") && hasText(ai, at: index + 1)
            && input[index + 3] == UInt8(ascii: ")")
    }

    func expectBracketedAI(_ ai: String, at index: inout Int, alternatives: String? = nil) throws(CodeFormatError) {
        guard hasBracketedAI(ai, at: index) else {
            let found = index < end ? "'\(text(index, 4))'" : describe(index)
            throw CodeFormatError(.expectedAI, at: index + 1, "expected \(alternatives ?? "(\(ai))"), found \(found)")
        }
        index += 4
    }

    func gtin(at index: inout Int) throws(CodeFormatError) -> GTIN {
        var value: UInt64 = 0
        for offset in 0..<14 {
            let position = index + offset
            guard position < end, GTIN.isDigit(input[position]) else {
                throw CodeFormatError(
                    .gtinDigits, at: position + 1,
                    "the GTIN (AI 01) needs 14 digits, found \(describe(position)) at digit \(offset + 1)")
            }
            value = value * 10 + UInt64(input[position] - 48)
        }
        let expected = GTIN.checkDigit(of: value / 10)
        guard value % 10 == expected else {
            throw CodeFormatError(
                .gtinCheckDigit, at: index + 14,
                "the GTIN (AI 01) \(text(index, 14)) has check digit \(value % 10), expected \(expected)")
        }
        index += 14
        return GTIN(uncheckedValue: value)
    }

    func serial(length: Int, at index: Int) throws(CodeFormatError) -> Serial {
        guard end - index >= length else {
            throw CodeFormatError(.serialLength, at: end + 1, "the serial (AI 21) ends after \(end - index) characters, expected \(length)")
        }
        if let error = firstNonSerialByte(from: index, count: length) { throw error }
        return Serial(validatedBytes: Array(input[index..<index + length]))
    }

    func firstNonSerialByte(from index: Int, count: Int) -> CodeFormatError? {
        for position in index..<min(index + count, end) where !SerialAlphabet.contains(input[position]) {
            return CodeFormatError(
                .serialCharacter, at: position + 1,
                "the serial (AI 21) contains \(describe(position)), which is not in GS1 character set 82")
        }
        return nil
    }

    /// How many characters the serial would have if it ran to the first separator, the
    /// first `(9` of a human-readable AI, or the end.
    func naturalSerialLength(at index: Int) -> Int {
        var position = index
        while position < end {
            if separatorLength(at: position) > 0 { break }
            if input[position] == UInt8(ascii: "("), position + 1 < end, input[position + 1] == UInt8(ascii: "9") { break }
            position += 1
        }
        return position - index
    }

    func separatorLength(at index: Int) -> Int {
        guard index < end else { return 0 }
        if input[index] == 0x1D { return 1 }
        if hasText("<GS>", at: index) { return 4 }
        if hasText("\\u001d", at: index) || hasText("\\u001D", at: index) { return 6 }
        return 0
    }

    func hasText(_ literal: StaticString, at index: Int) -> Bool { input.hasLiteral(literal, at: index, end: end) }

    /// Compares without allocating: `text` is a short AI such as "91".
    func hasText(_ text: String, at index: Int) -> Bool {
        var position = index
        for byte in text.utf8 {
            guard position < end, input[position] == byte else { return false }
            position += 1
        }
        return true
    }

    func expectSeparator(at index: inout Int, after context: String) throws(CodeFormatError) {
        let length = separatorLength(at: index)
        guard length > 0 else {
            throw CodeFormatError(
                .expectedSeparator, at: index + 1,
                "expected a group separator (0x1D, <GS> or \\u001d) after \(context), found \(describe(index))")
        }
        index += length
    }

    func keyID(at index: inout Int) throws(CodeFormatError) -> String {
        for offset in 0..<4 {
            let position = index + offset
            guard position < end, SerialAlphabet.contains(input[position]) else {
                throw CodeFormatError(
                    .keyID, at: position + 1,
                    "the key id (AI 91) needs 4 characters of set 82, found \(describe(position))")
            }
        }
        defer { index += 4 }
        return text(index, 4)
    }

    func tail(length: Int, ai: String, at index: inout Int) throws(CodeFormatError) -> String {
        for offset in 0..<length {
            let position = index + offset
            let isPadding = input.indices.contains(position) && input[position] == UInt8(ascii: "=") && length == 44 && offset == 43
            guard position < end, isPadding || Base64.isAlphabet(input[position]) else {
                throw CodeFormatError(
                    .tail, at: position + 1,
                    "the tail (AI \(ai)) needs \(length) base64 characters, found \(describe(position)) at character \(offset + 1)")
            }
        }
        defer { index += length }
        return text(index, length)
    }

    func expectEnd(at index: Int) throws(CodeFormatError) {
        guard index >= end else {
            throw CodeFormatError(.trailingData, at: index + 1, "unexpected \(describe(index)) after the end of the code")
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether the bytes at `index` (before `end`) spell `literal`, without allocating.
    func hasLiteral(_ literal: StaticString, at index: Int, end: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index >= 0, end - index >= count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<count where self[index + offset] != bytes[offset] { return false }
        return true
    }
}
