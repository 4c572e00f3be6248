import Dispatch
import MarkingCore
import Synchronization

/// What a document does, with exactly the fields of its type: a transfer has a
/// receiver and no reason, a write-off a reason of its own kind, an aggregation its
/// package. A value that breaks a rule of ``DocumentRequest`` cannot be built.
public enum DocumentKind: Sendable, Hashable, Codable {
    case utilisation
    case introduction(customsDeclaration: String?, customsDeclarationDate: String?, productionDate: String?)
    case transfer(receiver: UInt32, acceptance: Bool)
    case retirement(reason: ExitReason)
    case writeOff(reason: ExitReason)
    case retailReturn
    case aggregation(package: String, kind: PackageKind?)
    case disaggregation

    /// The document type, as the CRPT platform names it.
    public var type: DocumentType {
        switch self {
        case .utilisation: .utilisation
        case .introduction: .introduction
        case .transfer: .transfer
        case .retirement: .retirement
        case .writeOff: .writeOff
        case .retailReturn: .retailReturn
        case .aggregation: .aggregation
        case .disaggregation: .disaggregation
        }
    }

    /// The receiver of a transfer.
    public var receiver: UInt32? { if case .transfer(let receiver, _) = self { receiver } else { nil } }
    /// A two-step transfer.
    public var acceptance: Bool { if case .transfer(_, let acceptance) = self { acceptance } else { false } }
    /// The reason of a retirement or write-off.
    public var reason: ExitReason? {
        switch self {
        case .retirement(let reason), .writeOff(let reason): reason
        default: nil
        }
    }
    /// The package an aggregation fills.
    public var package: String? { if case .aggregation(let package, _) = self { package } else { nil } }
}

/// A document as the engine runs it: the typed command every door (HTTP, the command
/// line, tests) turns its wire shape into through ``init(validating:)``, the one place
/// where a document's field rules are checked.
public struct DocumentCommand: Sendable {
    public var participant: UInt32
    /// The participant's own number, trimmed: the idempotency key.
    public var number: String
    public var date: String?
    public var kind: DocumentKind
    public var codes: CodeList

    /// Checks every rule of a document's fields that needs neither the store nor the
    /// code list; throws `input.invalid` whose ``MarkingError/field`` names the field
    /// and the stable code of what is wrong with it.
    public init(validating request: DocumentRequest) throws(MarkingError) {
        func refuse(_ field: String, _ code: MarkingError.Code, _ message: String) -> MarkingError {
            MarkingError(.invalidInput, message, field: .init(field, code))
        }
        let type = request.type
        let number = request.number.trimmingCharacters(in: .whitespaces)
        guard !number.isEmpty, number.utf8.count <= 128 else {
            throw refuse("number", .documentNumber, "the document number must be 1 to 128 characters")
        }
        if type != .transfer, request.receiver != nil {
            throw refuse("receiver", .fieldNotAllowed, "only a transfer has a receiver")
        }
        if request.acceptance, type != .transfer {
            throw refuse("acceptance", .fieldNotAllowed, "only a transfer can wait for the receiver's acceptance")
        }
        if type != .retirement, type != .writeOff, request.reason != nil {
            throw refuse("reason", .fieldNotAllowed, "only a retirement or a write-off has a reason")
        }
        if type != .aggregation, request.package != nil || request.packageKind != nil {
            throw refuse(request.package != nil ? "package" : "packageKind", .fieldNotAllowed, "only an aggregation names a package")
        }
        if type != .introduction {
            for (name, value) in [
                ("customsDeclaration", request.customsDeclaration), ("customsDeclarationDate", request.customsDeclarationDate),
                ("productionDate", request.productionDate),
            ] where value != nil {
                throw refuse(name, .fieldNotAllowed, "only an introduction carries \(name)")
            }
        }
        try request.validateDates()
        switch type {
        case .utilisation: kind = .utilisation
        case .introduction:
            kind = .introduction(
                customsDeclaration: request.customsDeclaration, customsDeclarationDate: request.customsDeclarationDate,
                productionDate: request.productionDate)
        case .transfer:
            guard let receiver = request.receiver else { throw refuse("receiver", .receiverMissing, "a transfer needs a receiver") }
            guard receiver != request.participant else {
                throw refuse("receiver", .receiverIsSender, "the receiver of a transfer must differ from the sender (\(receiver))")
            }
            kind = .transfer(receiver: receiver, acceptance: request.acceptance)
        case .retirement, .writeOff:
            let reasons = ExitReason.allCases.filter { $0.isRetirement == (type == .retirement) }
            guard let name = request.reason, let reason = ExitReason(name: name), reasons.contains(reason) else {
                throw refuse(
                    "reason", .documentReason,
                    "a \(type.rawValue) needs a reason: one of \(reasons.map(\.name).joined(separator: ", "))")
            }
            kind = type == .retirement ? .retirement(reason: reason) : .writeOff(reason: reason)
        case .retailReturn: kind = .retailReturn
        case .aggregation:
            guard let package = request.package, !package.isEmpty else {
                throw refuse("package", .documentPackage, "an aggregation needs the package to fill (an SSCC or a group package code)")
            }
            kind = .aggregation(package: package, kind: request.packageKind)
        case .disaggregation: kind = .disaggregation
        }
        participant = request.participant
        self.number = number
        date = request.date
        codes = request.codes
    }

    /// Checks the size of the code list: 1 to ``JobEngine/maximumCodes`` lines.
    public func validateCodeCount() throws(MarkingError) {
        guard codes.count > 0 else {
            throw MarkingError(.invalidInput, "the document lists no codes", field: .init("codes", .documentEmpty))
        }
        guard codes.count <= JobEngine.maximumCodes else {
            throw MarkingError(
                .invalidInput, "the document lists \(codes.count) codes; at most \(JobEngine.maximumCodes) are accepted per document",
                field: .init("codes", .tooManyCodes))
        }
    }

    /// A digest of everything the command says (participant, number, date, kind and
    /// every code line), to tell a retry of a document from another document sent
    /// under the same number. FNV-1a over blocks of 65,536 lines, hashed in parallel
    /// and then combined, so it costs a fraction of the parse and does not depend on
    /// the number of cores.
    public var fingerprint: String {
        var head = Fingerprint()
        head.add("\(participant)|\(number)|\(date ?? "")|\(kind)")
        let lines = codes.count
        let block = 65_536
        let blocks = (lines + block - 1) / block
        let digests = Mutex<[UInt64]>(Array(repeating: 0, count: blocks))
        let codes = self.codes
        DispatchQueue.concurrentPerform(iterations: blocks) { index in
            var digest = Fingerprint()
            for line in (index * block)..<min(lines, (index + 1) * block) {
                digest.add(codes.line(line))
                digest.add(CollectionOfOne(UInt8(ascii: "\n")))
            }
            let value = digest.value
            digests.withLock { $0[index] = value }
        }
        for value in digests.withLock({ $0 }) { head.add(withUnsafeBytes(of: value.littleEndian) { Array($0) }) }
        head.add("\(lines)")
        return String(head.value, radix: 16)
    }

    public var type: DocumentType { kind.type }
    public var receiver: UInt32? { kind.receiver }
    public var acceptance: Bool { kind.acceptance }
}

/// 64-bit FNV-1a: a fast, stable digest for telling inputs apart (not a security measure).
struct Fingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
    }

    mutating func add(_ text: String) { add(text.utf8) }
}
