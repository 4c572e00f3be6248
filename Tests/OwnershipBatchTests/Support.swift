import Emitter
import Foundation
import MarkingCore
@testable import OwnershipBatch
import RocksDB
import Synchronization
import TestSupport
import Testing

let unitGTIN = try! GTIN("04607000000014")
let groupGTIN = try! GTIN("04600000000008")

/// One engine over its own store in a temporary folder, with three registered
/// participants and helpers to bring codes into a given state.
final class Ledger: Sendable {
    let folder: String
    let store: MarkingStore
    let engine: JobEngine
    let emitter: Emitter
    let producer: Participant
    let wholesaler: Participant
    let retailer: Participant
    private let numbers = Atomic<Int>(0)

    /// - Parameter partThreshold: documents of this many codes or more are checked in
    ///   parallel parts (the engine's default is large; tests lower it to reach that path).
    /// - Parameter observing: told of every changeset from the store's first commit.
    init(folder: String? = nil, partThreshold: Int = 200_000, observing: (@Sendable (Changeset) -> Void)? = nil) throws {
        self.folder = folder ?? temporaryFolder()
        store = try MarkingStore(dataFolder: self.folder, options: smallStoreOptions)
        if let observing { store.committer.observe { changeset, _ in observing(changeset) } }
        let directory = ParticipantDirectory(store: store)
        producer = try directory.register(name: "Producer LLP", bin: validBIN(1), roles: [.producer])
        wholesaler = try directory.register(name: "Wholesale LLP", bin: validBIN(2), roles: [.wholesaler])
        retailer = try directory.register(name: "Shop IE", bin: validBIN(3), roles: [.retailer])
        emitter = try Emitter(store: store)
        engine = try JobEngine(store: store, parseShards: 2, partThreshold: partThreshold)
    }

    /// Closes the store and deletes the folder.
    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }

    func nextNumber() -> String { "DOC-\(numbers.add(1, ordering: .relaxed).newValue)" }

    // MARK: Codes

    /// Emits `count` codes to `owner` and returns them as printed (raw element strings).
    func emit(_ count: Int, to owner: Participant? = nil, template: String = "s13-91-92", gtin: GTIN = unitGTIN) throws -> [String] {
        let sink = CollectingSink()
        let request = EmissionRequest(
            gtin: gtin, quantity: count, template: try store.catalog.named(template), producer: (owner ?? producer).id)
        _ = try emitter.emit(request, sink: sink)
        let lines = sink.lines
        #expect(lines.count == count)
        return lines
    }

    /// Codes of `owner` in status `APPLIED`.
    func applied(_ count: Int, to owner: Participant? = nil, template: String = "s13-91-92", gtin: GTIN = unitGTIN) throws -> [String] {
        let codes = try emit(count, to: owner, template: template, gtin: gtin)
        try expectOK(.utilisation, by: owner ?? producer, codes)
        return codes
    }

    /// Codes of `owner` in status `INTRODUCED`.
    func introduced(_ count: Int, to owner: Participant? = nil, template: String = "s13-91-92", gtin: GTIN = unitGTIN) throws -> [String] {
        let codes = try applied(count, to: owner, template: template, gtin: gtin)
        try expectOK(.introduction, by: owner ?? producer, codes)
        return codes
    }

    // MARK: Documents

    func request(
        _ type: DocumentType, by participant: Participant, _ codes: [String], number: String? = nil,
        receiver: Participant? = nil, reason: String? = nil, package: String? = nil, acceptance: Bool = false
    ) -> DocumentRequest {
        DocumentRequest(
            type: type, participant: participant.id, number: number ?? nextNumber(), receiver: receiver?.id,
            reason: reason, package: package, acceptance: acceptance, codes: CodeList(codes))
    }

    /// Submits a document and checks what every finished document must satisfy: its
    /// `applied` count is the number of code records it changed (each changed record
    /// names the document), and a refused document changed none.
    @discardableResult
    func submit(
        _ type: DocumentType, by participant: Participant, _ codes: [String], number: String? = nil,
        receiver: Participant? = nil, reason: String? = nil, package: String? = nil, acceptance: Bool = false
    ) throws -> Document {
        let document = try engine.submit(
            request(
                type, by: participant, codes, number: number, receiver: receiver, reason: reason, package: package,
                acceptance: acceptance))
        let changed = try recordsChanged(by: document.id)
        switch document.state {
        case .checkedOK:
            #expect(document.applied == changed, "applied counts the codes changed")
            #expect(document.refusals.isEmpty && document.firstRefused.isEmpty)
        case .checkedNotOK:
            #expect(document.applied == 0 && changed == 0, "a refused document changes no code")
            #expect(!document.refusals.isEmpty && !document.firstRefused.isEmpty)
            #expect(document.refusals.values.reduce(0, +) >= document.firstRefused.count)
        case .waitAcceptance:
            #expect(document.applied == changed, "applied counts the codes the shipment reserved")
            #expect(document.refusals.isEmpty && document.firstRefused.isEmpty)
        case .inProgress, .rejected:
            Issue.record("submit returned a document \(document.state.rawValue)")
        }
        #expect(document.finishedAt != nil)
        return document
    }

    /// Submits a document that must be applied.
    @discardableResult
    func expectOK(
        _ type: DocumentType, by participant: Participant, _ codes: [String], receiver: Participant? = nil,
        reason: String? = nil, package: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Document {
        let document = try submit(type, by: participant, codes, receiver: receiver, reason: reason, package: package)
        #expect(document.state == .checkedOK, "\(type.rawValue) refused: \(document.firstRefused)", sourceLocation: sourceLocation)
        return document
    }

    /// Submits a two-step transfer that must be valid: it waits for `receiver`'s acceptance.
    @discardableResult
    func ship(
        by participant: Participant, _ codes: [String], to receiver: Participant, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Document {
        let document = try submit(.transfer, by: participant, codes, receiver: receiver, acceptance: true)
        #expect(document.state == .waitAcceptance, "shipment refused: \(document.firstRefused)", sourceLocation: sourceLocation)
        return document
    }

    /// Submits a document that must be refused, and returns it.
    func expectRefused(
        _ type: DocumentType, by participant: Participant, _ codes: [String], receiver: Participant? = nil,
        reason: String? = nil, package: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Document {
        let document = try submit(type, by: participant, codes, receiver: receiver, reason: reason, package: package)
        #expect(document.state == .checkedNotOK, "\(type.rawValue) was applied", sourceLocation: sourceLocation)
        return document
    }

    // MARK: Reading back

    func code(_ line: String) throws -> MarkingCode {
        try store.parser.parse(line)
    }

    /// How a group package labelled with the code `line` is shown: its CIS, no tail.
    func cisLabel(_ line: String) throws -> String {
        MarkingCode(cis: try code(line).cis).humanReadable
    }

    func record(_ line: String) throws -> CodeRecord {
        let record = try store.record(for: try code(line).cis)
        return try #require(record, "no record for \(line)")
    }

    func owners(_ lines: [String]) throws -> Set<UInt32> { Set(try lines.map { try record($0).owner }) }
    func statuses(_ lines: [String]) throws -> Set<CodeStatus> { Set(try lines.map { try record($0).status }) }
    func parents(_ lines: [String]) throws -> Set<UInt64> { Set(try lines.map { try record($0).parent }) }
    /// The shipments the codes are reserved by (0 for a free code).
    func shipments(_ lines: [String]) throws -> Set<UInt64> {
        Set(try lines.map { let record = try record($0); return record.flags.contains(.inShipment) ? record.lastDocument : 0 })
    }

    func entries(_ family: StoreFamily) throws -> [[UInt8]: [UInt8]] { try store.entries(of: family) }

    /// Code records and packages: what a document may change.
    func codesAndPackages() throws -> [[[UInt8]: [UInt8]]] { try OwnershipBatchTests.codesAndPackages(store) }

    /// Everything a refused request must leave alone: codes, packages, documents, sequences.
    func everything() throws -> [[[UInt8]: [UInt8]]] {
        try codesAndPackages() + [try entries(.documents), try entries(.meta)]
    }

    /// The number of code records whose last document is `id`.
    func recordsChanged(by id: UInt64) throws -> Int {
        try entries(.codes).values.count(where: { CodeRecord($0)?.lastDocument == id })
    }
}

/// Code records and packages of `store`: what a document may change.
func codesAndPackages(_ store: MarkingStore) throws -> [[[UInt8]: [UInt8]]] {
    [try store.entries(of: .codes), try store.entries(of: .aggregates)]
}
