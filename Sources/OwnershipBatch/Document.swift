import MarkingCore

/// The state of a document, as on the CRPT platform.
public enum DocumentState: String, Sendable, Codable {
    /// Being validated and applied.
    case inProgress = "IN_PROGRESS"
    /// Validated in full and applied to every code, durably.
    case checkedOK = "CHECKED_OK"
    /// Refused; no code was changed. ``Document/refusals`` says why.
    case checkedNotOK = "CHECKED_NOT_OK"
    /// A two-step transfer validated in full: its codes are reserved (nobody may touch
    /// them) and still belong to the sender until the receiver accepts (`CHECKED_OK`)
    /// or rejects (`REJECTED`) the shipment.
    case waitAcceptance = "WAIT_ACCEPTANCE"
    /// A two-step transfer its receiver rejected: the codes are freed, their owner,
    /// status and records as before the shipment.
    case rejected = "REJECTED"
}

/// Why a document refused a code (or the document as a whole).
public enum RefusalReason: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    /// The line is not a marking code or SSCC in any accepted shape.
    case malformedCode = "MALFORMED_CODE"
    /// The store has no such code.
    case unknownCode = "UNKNOWN_CODE"
    /// The tail given with the code does not verify.
    case forgedCode = "FORGED_CODE"
    /// The code (or package) belongs to another participant.
    case notOwner = "NOT_OWNER"
    /// The code's status does not allow this document type.
    case wrongStatus = "WRONG_STATUS"
    /// The code sits in a package that the document does not move as a whole.
    case inPackage = "IN_PACKAGE"
    /// The same code appears twice in the document.
    case duplicateCode = "DUPLICATE_CODE"
    /// No package has this label.
    case unknownPackage = "UNKNOWN_PACKAGE"
    /// The child would make a package hold something it may not (a transport package
    /// inside another, a package inside a group, a package inside itself).
    case nesting = "NESTING"
    /// The process stopped before the document was applied; nothing was changed.
    case interrupted = "INTERRUPTED"
    /// The code (or package) is reserved by a shipment waiting for its receiver's
    /// acceptance; the detail names that document.
    case inShipment = "IN_SHIPMENT"
    /// The document could not be processed (a store failure, a package label that
    /// cannot be read); the detail says why. No code was changed.
    case processingError = "PROCESSING_ERROR"
}

/// One refused code, with its line in the document.
public struct Refusal: Sendable, Codable, Hashable {
    /// The most bytes of a refused line kept in ``code``: a line is a code (some 80
    /// bytes) or garbage, and a hundred refused lines of 10 MB must not make a 1 GiB
    /// document.
    public static let maximumCodeBytes = 256

    /// The refused line as kept: at most ``maximumCodeBytes`` of it, `…` marking a cut.
    public static func excerpt(_ line: ArraySlice<UInt8>) -> String {
        guard line.count > maximumCodeBytes else { return String(decoding: line, as: UTF8.self) }
        return String(decoding: line.prefix(maximumCodeBytes), as: UTF8.self) + "…"
    }

    /// 1-based line number in the document's code list.
    public var line: Int
    public var code: String
    public var reason: RefusalReason
    /// Why, in words. Never names another participant (see ``owner``): the submitter
    /// reads it. A shipment it names is the submitter's own (only a code's owner ships it).
    public var detail: String
    /// The participant that owns the refused code or package, when that is why it was
    /// refused: shown to the admin only.
    public var owner: UInt32?
    /// The shipment that holds the refused code or package (the submitter's own).
    public var shipment: UInt64?

    public init(line: Int, code: String, reason: RefusalReason, detail: String, owner: UInt32? = nil, shipment: UInt64? = nil) {
        self.line = line
        self.code = code
        self.reason = reason
        self.detail = detail
        self.owner = owner
        self.shipment = shipment
    }

    /// The refusal as a participant sees it: without ``owner``.
    public var forParticipant: Refusal {
        Refusal(line: line, code: code, reason: reason, detail: detail, shipment: shipment)
    }
}

/// A stored document: what was asked, and what came of it.
public struct Document: Sendable, Codable, Hashable {
    public var id: UInt64
    public var type: DocumentType
    public var participant: UInt32
    /// The participant's own document number: the idempotency key.
    public var number: String
    public var date: String?
    public var receiver: UInt32?
    /// A two-step transfer: the shipment waits for the receiver's acceptance.
    public var acceptance: Bool?
    public var reason: String?
    public var customsDeclaration: String?
    public var customsDeclarationDate: String?
    public var productionDate: String?
    public var package: String?
    public var packageKind: PackageKind?
    public var state: DocumentState
    /// Lines in the code list.
    public var lines: Int
    /// Codes changed (units and package codes, after packages are expanded); for a
    /// shipment in `WAIT_ACCEPTANCE` the codes it reserved, for a `REJECTED` one 0.
    public var applied: Int
    /// Refused codes per reason.
    public var refusals: [RefusalReason: Int]
    /// The first refused codes (at most ``JobEngine/reportedRefusals``).
    public var firstRefused: [Refusal]
    /// Milliseconds since 1970 UTC.
    public var createdAt: UInt64
    /// When the codes were checked and the result written (for a shipment: when it
    /// began to wait for acceptance).
    public var finishedAt: UInt64?
    /// When the receiver accepted the shipment.
    public var acceptedAt: UInt64? = nil
    /// When the receiver rejected the shipment.
    public var rejectedAt: UInt64? = nil
    /// ``DocumentCommand/fingerprint`` of what was submitted under this number, so a
    /// second submission is told apart from a retry (`nil` for documents stored before it).
    public var fingerprint: String? = nil
}
