import MarkingCore

/// A document's fields in their wire shape: text as HTTP (query string or JSON body)
/// and the command line's job files send them, before anything is checked.
///
/// The one list of a document's fields. ``DocumentRequest/init(fields:participant:codes:)``
/// reads the type and the package kind, and ``DocumentCommand/init(validating:)``
/// checks every rule, so that no door accepts a field another refuses.
public struct DocumentFields: Codable, Sendable, Hashable {
    public var type: String
    public var number: String
    public var receiver: UInt32?
    public var reason: String?
    public var date: String?
    public var customsDeclaration: String?
    public var customsDeclarationDate: String?
    public var productionDate: String?
    public var package: String?
    public var packageKind: String?
    /// A two-step transfer: the shipment waits for the receiver's acceptance.
    public var acceptance: Bool?

    /// Every field name, as in JSON and in query strings.
    public static let names: Set<String> = [
        "type", "number", "receiver", "reason", "date", "customsDeclaration", "customsDeclarationDate",
        "productionDate", "package", "packageKind", "acceptance",
    ]

    public init(
        type: String, number: String, receiver: UInt32? = nil, reason: String? = nil, date: String? = nil,
        customsDeclaration: String? = nil, customsDeclarationDate: String? = nil, productionDate: String? = nil,
        package: String? = nil, packageKind: String? = nil, acceptance: Bool? = nil
    ) {
        self.type = type
        self.number = number
        self.receiver = receiver
        self.reason = reason
        self.date = date
        self.customsDeclaration = customsDeclaration
        self.customsDeclarationDate = customsDeclarationDate
        self.productionDate = productionDate
        self.package = package
        self.packageKind = packageKind
        self.acceptance = acceptance
    }
}

extension DocumentRequest {
    /// The request of `participant` (the caller: never a field, so nobody submits in
    /// another's name) from wire fields. Throws `input.invalid` naming the field for
    /// an unknown type or package kind; every other rule is ``DocumentCommand``'s.
    public init(fields: DocumentFields, participant: UInt32, codes: CodeList) throws(MarkingError) {
        guard let type = DocumentType(rawValue: fields.type) else {
            throw MarkingError(
                .invalidInput, "type '\(fields.type)' is unknown; use one of \(DocumentType.allCases.map(\.rawValue).joined(separator: ", "))",
                field: .init("type", .documentType))
        }
        var packageKind: PackageKind?
        if let kind = fields.packageKind {
            guard let value = PackageKind(rawValue: kind) else {
                throw MarkingError(.invalidInput, "packageKind '\(kind)' is unknown; use GROUP or TRANSPORT", field: .init("packageKind", .documentPackage))
            }
            packageKind = value
        }
        self.init(
            type: type, participant: participant, number: fields.number, date: fields.date, receiver: fields.receiver,
            reason: fields.reason, customsDeclaration: fields.customsDeclaration,
            customsDeclarationDate: fields.customsDeclarationDate, productionDate: fields.productionDate,
            package: fields.package, packageKind: packageKind, acceptance: fields.acceptance ?? false, codes: codes)
    }
}

extension MarkingError.Code {
    /// The document type is not one of ``DocumentType``.
    public static let documentType: Self = "document.type"
    /// The number is empty or longer than 128 bytes.
    public static let documentNumber: Self = "document.number"
    /// A transfer without a receiver.
    public static let receiverMissing: Self = "document.receiver_missing"
    /// A transfer to its own sender.
    public static let receiverIsSender: Self = "document.receiver_is_sender"
    /// A field the document's type does not have.
    public static let fieldNotAllowed: Self = "document.field_not_allowed"
    /// A retirement or write-off without one of its reasons.
    public static let documentReason: Self = "document.reason"
    /// An aggregation without its package, or a package kind that is not one.
    public static let documentPackage: Self = "document.package"
    /// A receiver that is not registered.
    public static let receiverUnknown: Self = "document.receiver_unknown"
    /// A date that is not a calendar day `YYYY-MM-DD`.
    public static let documentDate: Self = "document.date"
    /// A document number used already, for a document with other content.
    public static let numberReused: Self = "document.number_reused"
    /// A document without codes.
    public static let documentEmpty: Self = "document.empty"
    /// More codes than ``JobEngine/maximumCodes``.
    public static let tooManyCodes: Self = "document.too_many_codes"
}
