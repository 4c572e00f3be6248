import Crypto
import Emitter
import MarkingCore

/// The inputs of the code benchmarks: 1,024 codes per template, made by the calls the
/// Emitter's code generator makes (serial by ``SerialPermutation/writeSerial(counter:to:)``,
/// tail by ``KeyedTailSigner/writeTail(of:kind:to:)``, line by ``CodeListFormat``).
///
/// The key ring is fixed, not generated, so every run measures the very same codes:
/// exact malloc counts and comparable times need the same inputs each time.
struct CodeCorpus {
    /// Distinct inputs per benchmark. A power of two, so that a benchmark picks one with
    /// a mask rather than a division, and more than a sample of 1,000 reads.
    static let size = 1_024
    static let mask = size - 1

    static let gtin = GTIN(uncheckedValue: 4_607_000_000_014)
    static let keyID = "K001"
    /// The first counter of the corpus: an order in the middle of a GTIN's range.
    static let firstCounter: UInt64 = 1_000_000

    /// `s13-91-92`: the default template (AI 91 key id, AI 92 44-character tail).
    let template: CodeTemplate
    /// `s7-93`: the short template (AI 93 4-character tail).
    let shortTemplate: CodeTemplate
    let permutation: SerialPermutation
    let signer: KeyedTailSigner

    /// `s13-91-92` element strings with 0x1D separators: the lines `emit` writes.
    let elementStrings: [[UInt8]]
    /// The same codes as a keyboard-wedge scanner types them: the `]d2` symbology
    /// identifier in front and each group separator as the text `<GS>`.
    let wedgeStrings: [[UInt8]]
    /// The same codes in the human-readable form `(01)…(21)…(91)…(92)…`.
    let humanReadable: [[UInt8]]
    /// `s7-93` element strings: the parser tries the 13-character serial first and
    /// reads these only on its second attempt.
    let shortElementStrings: [[UInt8]]

    /// The `s13-91-92` codes, parsed.
    let codes: [MarkingCode]
    /// Their CIS bytes (`01`, GTIN, `21`, serial), ``cisLength`` bytes each, back to back.
    let cisBytes: [UInt8]
    var cisLength: Int { 18 + template.serialLength }
    /// Their serials, `template.serialLength` bytes each, back to back.
    let serialBytes: [UInt8]

    /// Records of every status with varying owners, orders, parents and documents.
    let records: [CodeRecord]
    /// The same records encoded, ``CodeRecord/size`` bytes each, back to back.
    let encodedRecords: [UInt8]

    init() {
        let keys = KeyRing(
            activeKeyID: Self.keyID,
            tailKeys: [Self.keyID: SymmetricKey(data: (0..<32).map { UInt8($0) &* 7 &+ 1 })],
            serialSecret: SymmetricKey(data: (0..<32).map { UInt8($0) &* 13 &+ 5 }))
        let catalog = TemplateCatalog.standard
        template = catalog.defaultTemplate
        shortTemplate = catalog.templates.first { $0.name == "s7-93" }!
        permutation = SerialPermutation(keys: keys, gtin: Self.gtin, length: template.serialLength)
        signer = TailSigner(keys: keys).keyed(Self.keyID)!

        let counters = Self.firstCounter..<Self.firstCounter + UInt64(Self.size)
        elementStrings = Self.emitterLines(template: template, permutation: permutation, signer: signer, counters: counters)
        shortElementStrings = Self.emitterLines(
            template: shortTemplate,
            permutation: SerialPermutation(keys: keys, gtin: Self.gtin, length: shortTemplate.serialLength),
            signer: signer, counters: counters)

        let parser = CodeParser(catalog: catalog)
        codes = elementStrings.map { line in
            do {
                return try parser.parse(bytes: line)
            } catch {
                fatalError("the corpus holds a code the parser refuses: \(error)")
            }
        }
        let groupSeparatorText = Array("<GS>".utf8)
        wedgeStrings = elementStrings.map { line in
            Array("]d2".utf8) + line.flatMap { $0 == 0x1D ? groupSeparatorText : [$0] }
        }
        humanReadable = codes.map { Array($0.humanReadable.utf8) }
        cisBytes = codes.flatMap(\.cis.bytes)
        serialBytes = codes.flatMap(\.cis.serial.bytes)

        let statuses = CodeStatus.allCases
        records = (0..<Self.size).map { index in
            CodeRecord(
                status: statuses[index % statuses.count], templateID: 1, keyID: Self.keyID,
                owner: UInt32(1 + index % 7), producer: 1, order: UInt64(1 + index / 256),
                parent: index % 3 == 0 ? UInt64(index) : 0, lastDocument: UInt64(index % 5),
                emittedAt: 1_795_352_980_113 + UInt64(index))
        }
        encodedRecords = records.flatMap(\.bytes)
    }

    /// The lines of `counters` as the Emitter's code generator writes them: one
    /// buffer per code, serial and tail written in place, then the text line (without
    /// its newline).
    static func emitterLines(
        template: CodeTemplate, permutation: SerialPermutation, signer: KeyedTailSigner, counters: Range<UInt64>
    ) -> [[UInt8]] {
        let cisLength = 18 + template.serialLength
        let prefix = CIS(gtin: gtin, serial: Serial(validatedBytes: Array(repeating: 0x30, count: template.serialLength))).bytes
        let suffix: [UInt8] =
            switch template.tail {
            case .keyIdAndMAC: [0x1D] + Array("91".utf8) + Array(signer.keyID.utf8) + [0x1D] + Array("92".utf8)
            case .shortMAC: [0x1D] + Array("93".utf8)
            }
        var code = [UInt8](repeating: 0, count: cisLength + suffix.count + 44)
        code.replaceSubrange(0..<18, with: prefix[0..<18])
        code.replaceSubrange(cisLength..<cisLength + suffix.count, with: suffix)
        var block: [UInt8] = []
        return counters.map { counter in
            block.removeAll(keepingCapacity: true)
            code.withUnsafeMutableBufferPointer { code in
                let base = code.baseAddress!
                permutation.writeSerial(counter: counter, to: base + 18)
                let tailLength = signer.writeTail(
                    of: UnsafeRawBufferPointer(start: base, count: cisLength), kind: template.tail,
                    to: base + cisLength + suffix.count)
                CodeListFormat.text.append(
                    code: UnsafeBufferPointer(start: base, count: cisLength + suffix.count + tailLength), to: &block)
            }
            return Array(block.dropLast())
        }
    }
}
