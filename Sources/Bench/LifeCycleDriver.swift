import ConsoleProgress
import Emitter
import MarkingCore
import OwnershipBatch

/// Drives every code of a lookup store through a realistic life cycle
/// (`marking-bench lookup --life-cycle`), so that bytes per code and lookup latency are
/// measured on records that differ in more than their counter.
///
/// Per emission order, in documents as participants send them:
///
/// | step | documents | codes |
/// |---|---|---|
/// | utilisation, introduction | one each, by the producer | all |
/// | transfer producer → wholesaler | mixed sizes (1 … 100,000 codes) | all |
/// | transfer wholesaler → retailer | mixed sizes, other boundaries | all |
/// | aggregation into transport packages (SSCC) | 1,000 units each, by the retailer | the first third |
/// | retirement by sale (`RETAIL_SALE`) | mixed sizes, by the retailer | the last half |
///
/// A freshly emitted store has records that differ only in their counter (3.55 bytes
/// per code compacted); after this each record carries an owner other than the
/// producer, a status, a document and, for a third, a package.
struct LifeCycleDriver {
    let store: MarkingStore
    let engine: JobEngine
    let producer: UInt32
    let wholesaler: UInt32
    let retailer: UInt32
    private var documents = 0
    private var packages: UInt64 = 0

    /// Sizes of the documents of one transfer or retirement pass, in turn.
    static let documentSizes = [100_000, 1, 10_000, 10, 1_000, 100]
    /// Units per aggregated transport package.
    static let packageUnits = 1_000

    /// Registers the three participants; the producer must be the one the store's
    /// orders are emitted for (``producer``).
    init(store: MarkingStore) throws {
        self.store = store
        engine = try JobEngine(store: store, node: "")
        let directory = ParticipantDirectory(store: store)
        producer = try directory.register(name: "Life-cycle producer", bin: "000000000000", roles: [.producer]).id
        wholesaler = try directory.register(name: "Life-cycle wholesaler", bin: "000000000000", roles: [.wholesaler]).id
        retailer = try directory.register(name: "Life-cycle retailer", bin: "000000000000", roles: [.retailer]).id
    }

    /// Runs the life cycle over every code of `order`; `done` counts codes finished.
    mutating func drive(_ order: EmissionOrder, done: RunningCount) throws {
        let printer = try CodePrinter(store: store, order: order)
        let codes = (0..<order.quantity).map { printer.code(counter: order.rangeStart + UInt64($0)) }
        let all = 0..<codes.count
        try submit(.utilisation, by: producer, codes[all])
        try submit(.introduction, by: producer, codes[all])
        for range in Self.mixed(all, shift: 0) {
            try submit(.transfer, by: producer, codes[range], receiver: wholesaler)
        }
        for range in Self.mixed(all, shift: 3) {
            try submit(.transfer, by: wholesaler, codes[range], receiver: retailer)
        }
        for start in stride(from: 0, to: codes.count / 3, by: Self.packageUnits) {
            packages += 1
            try submit(.aggregation, by: retailer, codes[start..<min(start + Self.packageUnits, codes.count / 3)], package: Self.sscc(packages))
        }
        for range in Self.mixed(codes.count / 2..<codes.count, shift: 1) {
            try submit(.retirement, by: retailer, codes[range], reason: ExitReason.retailSale.name)
        }
        done.add(codes.count)
    }

    private mutating func submit(
        _ type: DocumentType, by participant: UInt32, _ codes: ArraySlice<String>, receiver: UInt32? = nil,
        reason: String? = nil, package: String? = nil
    ) throws {
        guard !codes.isEmpty else { return }
        documents += 1
        let request = DocumentRequest(
            type: type, participant: participant, number: "life-cycle-\(documents)", receiver: receiver, reason: reason,
            package: package, packageKind: package == nil ? nil : .transport, codes: CodeList(Array(codes)))
        let document = try engine.submit(request)
        guard document.state == .checkedOK else {
            throw LookupBenchmarkError.lifeCycle("\(type.rawValue) of \(codes.count) codes ended \(document.state.rawValue)")
        }
    }

    /// `range` cut into consecutive documents of ``documentSizes``, starting at the
    /// size `shift` places in, so two passes have different boundaries.
    static func mixed(_ range: Range<Int>, shift: Int) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var start = range.lowerBound
        var turn = shift
        while start < range.upperBound {
            let end = min(start + documentSizes[turn % documentSizes.count], range.upperBound)
            parts.append(start..<end)
            start = end
            turn += 1
        }
        return parts
    }

    /// The `number`-th transport package's SSCC as a scanner gives it: AI 00, a
    /// company prefix of this bench, and the GS1 check digit.
    static func sscc(_ number: UInt64) -> String {
        let body = 48_700_000_000_000_000 + number
        return "00" + String(body) + String(GTIN.checkDigit(of: body))
    }
}

/// Prints the codes of one order as a download regenerates them: the serial from the
/// counter by the order's permutation, the tail by the order's key.
struct CodePrinter {
    private let gtin: GTIN
    private let keyID: String?
    private let template: CodeTemplate
    private let signer: KeyedTailSigner
    private let permutation: SerialPermutation

    init(store: MarkingStore, order: EmissionOrder) throws {
        guard let template = store.catalog.withID(order.templateID), let signer = store.signer.keyed(order.keyID) else {
            throw LookupBenchmarkError.lookup("order \(order.id) cannot be regenerated with this key file")
        }
        gtin = order.gtinValue
        keyID = template.tail == .keyIdAndMAC ? order.keyID : nil
        self.template = template
        self.signer = signer
        permutation = store.permutation(gtin: gtin, serialLength: order.serialLength)
    }

    func code(counter: UInt64) -> String {
        let cis = CIS(gtin: gtin, serial: permutation.serial(counter: counter))
        return MarkingCode(cis: cis, keyID: keyID, tail: signer.tail(for: cis, kind: template.tail), tailKind: template.tail).formatted()
    }
}
