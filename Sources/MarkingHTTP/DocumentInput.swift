import Foundation
import Hummingbird
import MarkingCore
import OwnershipBatch

extension DocumentFields {
    /// Reads the fields from a raw query string: unknown parameters are refused
    /// (`request.unknown_field`), a missing type or number is `request.missing_field`,
    /// a receiver that is not a whole number is `request.wrong_type`. The field list
    /// is the engine's (``DocumentFields/names``).
    public init(query: String?) throws(Problem) {
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
                .request.unknownField, detail: "unknown parameter(s): \(unknown.sorted().joined(separator: ", "))",
                errors: unknown.sorted().map { .init(pointer: $0, code: .request.unknownField) })
        }
        for name in ["type", "number"] where values[name] == nil {
            throw Problem(.request.missingField, detail: "the parameter \(name) is missing", pointer: name)
        }
        var receiver: UInt32?
        if let text = values["receiver"] {
            guard let value = UInt32(text) else {
                throw Problem(.request.wrongType, detail: "receiver must be a participant id", pointer: "receiver")
            }
            receiver = value
        }
        var acceptance: Bool?
        if let text = values["acceptance"] {
            guard let value = Bool(text) else {
                throw Problem(.request.wrongType, detail: "acceptance must be true or false", pointer: "acceptance")
            }
            acceptance = value
        }
        self.init(
            type: values["type"]!, number: values["number"]!, receiver: receiver, reason: values["reason"], date: values["date"],
            customsDeclaration: values["customsDeclaration"], customsDeclarationDate: values["customsDeclarationDate"],
            productionDate: values["productionDate"], package: values["package"], packageKind: values["packageKind"],
            acceptance: acceptance)
    }

    /// The request of `participant` (the caller) with `codes`, checked by the
    /// engine's own rules (``DocumentCommand/init(validating:)``) and answered as the
    /// problem of the field they name. `pointer` turns a field name into a JSON
    /// pointer for JSON bodies, or leaves it as the parameter name.
    func request(participant: UInt32, codes: CodeList, pointer: (String) -> String) throws(Problem) -> DocumentRequest {
        do {
            let request = try DocumentRequest(fields: self, participant: participant, codes: codes)
            try DocumentCommand(validating: request).validateCodeCount()
            return request
        } catch {
            throw Problem(field: error, pointer: pointer)
        }
    }

    /// Every check of the fields that needs neither the code list nor the store: run
    /// before a streamed list is read, so a document that is wrong anyway is refused
    /// before it takes an upload slot or a byte of its body is held.
    public func check(participant: UInt32, pointer: (String) -> String) throws(Problem) {
        do {
            _ = try DocumentCommand(validating: DocumentRequest(fields: self, participant: participant, codes: CodeList([])))
        } catch {
            throw Problem(field: error, pointer: pointer)
        }
    }
}

extension Problem {
    /// The engine's error about one field of a command, as the problem of that field
    /// (its own code, its JSON pointer); other errors as ``init(_:pointer:)`` makes them.
    init(field error: MarkingError, pointer: (String) -> String) {
        guard let field = error.field else {
            self.init(error)
            return
        }
        self.init(Code.answering(field.code.rawValue), detail: error.message, pointer: pointer(field.name))
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
    var packageKind: String?
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
            packageKind: packageKind, acceptance: acceptance)
    }
}
