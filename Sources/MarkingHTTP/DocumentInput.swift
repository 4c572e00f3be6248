import Foundation
import Hummingbird
import MarkingCore
import OwnershipBatch

/// The fields of a submitted document, from the query string (when the body is the
/// code list) or from a small JSON body. The participant is never among them: it is
/// always the caller, so nobody can submit a document in another's name.
struct DocumentFields: Sendable {
    var type: String
    var number: String
    var receiver: UInt32?
    var reason: String?
    var date: String?
    var customsDeclaration: String?
    var customsDeclarationDate: String?
    var productionDate: String?
    var package: String?
    /// A two-step transfer: the shipment waits for the receiver's acceptance.
    var acceptance: Bool?

    /// Every field name, in the query and in JSON alike (JSON also has `codes`).
    static let names: Set<String> = [
        "type", "number", "receiver", "reason", "date", "customsDeclaration", "customsDeclarationDate",
        "productionDate", "package", "acceptance",
    ]

    /// Reads the fields from a raw query string: unknown parameters are refused
    /// (`request.unknown_field`), a missing type or number is `request.missing_field`,
    /// a receiver that is not a whole number is `request.wrong_type`.
    init(query: String?) throws(Problem) {
        var values: [String: String] = [:]
        var unknown: [String] = []
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(decoding: PercentDecoding.bytes(parts[0]), as: UTF8.self)
            guard Self.names.contains(name) else {
                unknown.append(name)
                continue
            }
            values[name] = parts.count > 1 ? String(decoding: PercentDecoding.bytes(parts[1]), as: UTF8.self) : ""
        }
        if !unknown.isEmpty {
            throw Problem(
                "request.unknown_field", detail: "unknown parameter(s): \(unknown.sorted().joined(separator: ", "))",
                errors: unknown.sorted().map { .init(pointer: $0, code: "request.unknown_field") })
        }
        for name in ["type", "number"] where values[name] == nil {
            throw Problem("request.missing_field", detail: "the parameter \(name) is missing", errors: [.init(pointer: name, code: "request.missing_field")])
        }
        var receiver: UInt32?
        if let text = values["receiver"] {
            guard let value = UInt32(text) else {
                throw Problem("request.wrong_type", detail: "receiver must be a participant id", errors: [.init(pointer: "receiver", code: "request.wrong_type")])
            }
            receiver = value
        }
        var acceptance: Bool?
        if let text = values["acceptance"] {
            guard let value = Bool(text) else {
                throw Problem("request.wrong_type", detail: "acceptance must be true or false", errors: [.init(pointer: "acceptance", code: "request.wrong_type")])
            }
            acceptance = value
        }
        self.init(
            type: values["type"]!, number: values["number"]!, receiver: receiver, reason: values["reason"], date: values["date"],
            customsDeclaration: values["customsDeclaration"], customsDeclarationDate: values["customsDeclarationDate"],
            productionDate: values["productionDate"], package: values["package"], acceptance: acceptance)
    }

    init(
        type: String, number: String, receiver: UInt32?, reason: String?, date: String?, customsDeclaration: String?,
        customsDeclarationDate: String?, productionDate: String?, package: String?, acceptance: Bool?
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
        self.acceptance = acceptance
    }

    /// Checks the fields that need no store, each with its own code, and builds the
    /// request for `participant` (the caller). `pointer` turns a field name into a
    /// JSON pointer for JSON bodies, or leaves it as the parameter name. Dates are
    /// checked by the engine's own ``DocumentRequest/validateDate(_:field:)``, so both
    /// refuse the same ones; here a wrong one is `document.date`, naming its field.
    func request(participant: UInt32, codes: CodeList, pointer: (String) -> String) throws(Problem) -> DocumentRequest {
        let (type, trimmed) = try checked(participant: participant, pointer: pointer)
        guard codes.count > 0 else {
            throw Problem("document.empty", detail: "the document lists no codes", errors: [.init(pointer: pointer("codes"), code: "document.empty")])
        }
        guard codes.count <= JobEngine.maximumCodes else {
            throw Problem(
                "document.too_many_codes", detail: "the document lists \(codes.count) codes; at most \(JobEngine.maximumCodes) are accepted",
                errors: [.init(pointer: pointer("codes"), code: "document.too_many_codes")])
        }
        return DocumentRequest(
            type: type, participant: participant, number: trimmed, date: date, receiver: receiver, reason: reason,
            customsDeclaration: customsDeclaration, customsDeclarationDate: customsDeclarationDate, productionDate: productionDate,
            package: package, acceptance: acceptance ?? false, codes: codes)
    }

    /// Every check of the fields that needs neither the code list nor the store: run
    /// before a streamed list is read, so a document that is wrong anyway is refused
    /// before it takes an upload slot or a byte of its body is held. Returns the type
    /// and the trimmed number.
    func checked(participant: UInt32, pointer: (String) -> String) throws(Problem) -> (DocumentType, String) {
        guard let type = DocumentType(rawValue: type) else {
            throw Problem(
                "document.type", detail: "type '\(type)' is unknown; use one of \(DocumentType.allCases.map(\.rawValue).joined(separator: ", "))",
                errors: [.init(pointer: pointer("type"), code: "document.type")])
        }
        let trimmed = number.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 128 else {
            throw Problem("document.number", detail: "the document number must be 1 to 128 characters", errors: [.init(pointer: pointer("number"), code: "document.number")])
        }
        if type == .transfer {
            guard let receiver else {
                throw Problem("document.receiver_missing", detail: "a transfer needs a receiver", errors: [.init(pointer: pointer("receiver"), code: "document.receiver_missing")])
            }
            guard receiver != participant else {
                throw Problem(
                    "document.receiver_is_sender", detail: "the receiver of a transfer must differ from the sender (\(receiver))",
                    errors: [.init(pointer: pointer("receiver"), code: "document.receiver_is_sender")])
            }
        } else if receiver != nil {
            throw Problem("document.field_not_allowed", detail: "only a transfer has a receiver", errors: [.init(pointer: pointer("receiver"), code: "document.field_not_allowed")])
        }
        if acceptance == true, type != .transfer {
            throw Problem(
                "document.field_not_allowed", detail: "only a transfer can wait for the receiver's acceptance",
                errors: [.init(pointer: pointer("acceptance"), code: "document.field_not_allowed")])
        }
        switch type {
        case .retirement, .writeOff:
            let names = ExitReason.allCases.filter { $0.isRetirement == (type == .retirement) }.map(\.name)
            guard let reason, names.contains(reason) else {
                throw Problem(
                    "document.reason", detail: "a \(type.rawValue) needs a reason: one of \(names.joined(separator: ", "))",
                    errors: [.init(pointer: pointer("reason"), code: "document.reason")])
            }
        case .aggregation:
            guard let package, !package.isEmpty else {
                throw Problem(
                    "document.package", detail: "an aggregation needs the package to fill (an SSCC or a group package code)",
                    errors: [.init(pointer: pointer("package"), code: "document.package")])
            }
        default:
            if reason != nil {
                throw Problem(
                    "document.field_not_allowed", detail: "only a retirement or a write-off has a reason",
                    errors: [.init(pointer: pointer("reason"), code: "document.field_not_allowed")])
            }
        }
        if type != .aggregation, package != nil {
            throw Problem("document.field_not_allowed", detail: "only an aggregation names a package", errors: [.init(pointer: pointer("package"), code: "document.field_not_allowed")])
        }
        if type != .introduction {
            for (name, value) in [("customsDeclaration", customsDeclaration), ("customsDeclarationDate", customsDeclarationDate), ("productionDate", productionDate)]
            where value != nil {
                throw Problem(
                    "document.field_not_allowed", detail: "only an introduction carries \(name)",
                    errors: [.init(pointer: pointer(name), code: "document.field_not_allowed")])
            }
        }
        for (name, value) in [("date", date), ("customsDeclarationDate", customsDeclarationDate), ("productionDate", productionDate)] {
            do {
                try DocumentRequest.validateDate(value, field: name)
            } catch {
                throw Problem("document.date", detail: error.message, errors: [.init(pointer: pointer(name), code: "document.date")])
            }
        }
        return (type, trimmed)
    }
}

/// A small document as one JSON body: its fields and `codes`, an array of strings.
/// Large lists go as a streamed `text/plain` or `application/x-ndjson` body instead.
struct DocumentInput: JSONInput {
    var type: String
    var number: String
    var receiver: UInt32?
    var reason: String?
    var date: String?
    var customsDeclaration: String?
    var customsDeclarationDate: String?
    var productionDate: String?
    var package: String?
    var acceptance: Bool?
    var codes: [String]

    static let fields: Set<String> = DocumentFields.names.union(["codes"])
    /// A JSON document is decoded as one value, so it stays small: 1 MiB, some
    /// fifteen thousand codes.
    static var maximumBodySize: Int { 1024 * 1024 }

    var documentFields: DocumentFields {
        DocumentFields(
            type: type, number: number, receiver: receiver, reason: reason, date: date, customsDeclaration: customsDeclaration,
            customsDeclarationDate: customsDeclarationDate, productionDate: productionDate, package: package,
            acceptance: acceptance)
    }
}
