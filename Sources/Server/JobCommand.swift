import ArgumentParser
import ConsoleProgress
import Foundation
import MarkingCore
import OwnershipBatch

/// `marking-server job FILE`: runs one document described by a JSON file whose codes
/// are listed in a text file (one code per line, any scanner shape).
///
/// ```json
/// {"type": "TRANSFER", "participant": 1, "number": "INV-2026-001", "receiver": 2,
///  "codes": "codes.txt"}
/// ```
/// `codes` is relative to the JSON file's folder. Other fields, by type: `reason`
/// (RETIREMENT, WRITE_OFF), `customsDeclaration` and `customsDeclarationDate`,
/// `productionDate` (INTRODUCTION), `package` and `packageKind` (AGGREGATION),
/// `acceptance` (TRANSFER: `true` makes it a shipment that waits for the receiver's
/// acceptance, see `shipment accept|reject`), `date`. Dates are calendar days `YYYY-MM-DD`.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Run a document (utilisation, introduction, transfer, retirement, write-off, return, aggregation, disaggregation).",
        discussion: "Exits 0 when the document is CHECKED_OK (or WAIT_ACCEPTANCE for a transfer with acceptance), 1 when it is refused (nothing changed), 2 when the file itself is wrong."
    )

    @Argument(help: "The JSON file describing the document.")
    var file: String

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    /// The JSON file's fields: the document's (``DocumentFields``), its participant,
    /// and the path of its code list.
    struct Description: Decodable {
        var fields: DocumentFields
        var participant: UInt32
        var codes: String

        static let names: Set<String> = DocumentFields.names.union(["participant", "codes"])

        private enum CodingKeys: String, CodingKey { case participant, codes }

        init(from decoder: any Decoder) throws {
            fields = try DocumentFields(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            participant = try container.decode(UInt32.self, forKey: .participant)
            codes = try container.decode(String.self, forKey: .codes)
        }
    }

    func run() throws {
        let request = try readRequest()
        let document = try reportingErrors { () throws -> Document in
            let markingStore = try MarkingStore(dataFolder: store.data, keyFile: store.keys, create: false)
            defer { markingStore.close() }
            let engine = try JobEngine(store: markingStore)
            let progress = JobProgress()
            let reporter = ProgressReporter(label: request.type.rawValue.lowercased(), quiet: quiet, total: { progress.total }, completed: { progress.completed })
            defer { reporter.finish() }
            let document = try engine.submit(request, progress: progress)
            reporter.finish()
            return document
        }
        let seconds = Double((document.finishedAt ?? document.createdAt) - document.createdAt) / 1000
        print("document \(document.id) (\(document.type.rawValue) \(document.number)): \(document.state.rawValue), \(document.lines) lines, \(document.applied) codes changed, \(String(format: "%.2f", seconds)) s")
        if document.state == .waitAcceptance, let receiver = document.receiver {
            print("  the codes are reserved until participant \(receiver) accepts or rejects the shipment (shipment accept|reject \(document.id) --participant \(receiver))")
        }
        guard document.state == .checkedOK || document.state == .waitAcceptance else {
            for (reason, count) in document.refusals.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                print("  \(reason.rawValue): \(count)")
            }
            for refusal in document.firstRefused.prefix(10) {
                // The operator of the store sees what the admin sees: whose the code is.
                let owner = refusal.owner.map { " (owner: participant \($0))" } ?? ""
                print("  line \(refusal.line): \(refusal.reason.rawValue): \(refusal.detail)\(owner)")
            }
            let refused = document.refusals.values.reduce(0, +)
            if refused > 10 { print("  ... \(refused - 10) more refused") }
            throw ExitCode(1)
        }
    }

    private func readRequest() throws -> DocumentRequest {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw fail("cannot read document file \(file)", code: 2)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw fail("document file \(file) is not a JSON object", code: 2)
        }
        let unknown = Set(object.keys).subtracting(Description.names)
        if let field = unknown.sorted().first {
            throw fail("document file \(file) has an unknown field '\(field)'", code: 2)
        }
        let description: Description
        do {
            description = try JSONDecoder().decode(Description.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw fail("document file \(file) lacks the field '\(key.stringValue)'", code: 2)
        } catch DecodingError.typeMismatch(_, let context) {
            throw fail("document file \(file): field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type", code: 2)
        } catch {
            throw fail("document file \(file) cannot be read: \(error)", code: 2)
        }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let codesPath = description.codes.hasPrefix("/") ? description.codes : folder.appendingPathComponent(description.codes).path
        guard let codes = FileManager.default.contents(atPath: codesPath) else {
            throw fail("cannot read the code list \(codesPath)", code: 2)
        }
        // The engine's own checks of the fields, before the store is opened: a wrong
        // field is a fault of the file (exit 2).
        do {
            let request = try DocumentRequest(fields: description.fields, participant: description.participant, codes: CodeList(text: codes))
            _ = try DocumentCommand(validating: request)
            return request
        } catch {
            throw fail("document file \(file): \(error.message)", code: 2)
        }
    }
}
