import Dispatch
import Foundation
import MarkingCore
import Synchronization

/// Runs documents: validates every code of a document against the store and applies
/// the document to all of them in one synced changeset, or to none.
///
/// Documents are validated under the store's commit order (``Committer/commit(_:_:)``),
/// after their code lists are parsed in parallel outside it. That order is what makes
/// two documents over the same codes unable to both succeed: the second is validated
/// against the state the first left, so "not in another job in flight" holds by
/// construction, without a lock table over millions of codes.
public final class JobEngine: Sendable {
    /// The most lines one document may carry.
    public static let maximumCodes = 10_000_000
    /// How many refused codes a document reports one by one (all are counted).
    public static let reportedRefusals = 100

    public let store: MarkingStore
    let directory: ParticipantDirectory
    let packages: PackageReader
    /// The replica this engine runs on ("" on a single node).
    public let node: String
    let parseShards: Int

    /// Status-change documents with at least this many codes are checked in parallel parts.
    let partThreshold: Int

    /// - Parameter node: the replica running the engine, in a cluster ("" on a single
    ///   node): its documents in flight are marked so, and only its own are recovered
    ///   at start.
    public convenience init(store: MarkingStore, parseShards: Int? = nil, node: String = "") throws(MarkingError) {
        try self.init(store: store, parseShards: parseShards, partThreshold: 200_000, node: node)
    }

    init(store: MarkingStore, parseShards: Int?, partThreshold: Int, node: String = "") throws(MarkingError) {
        self.node = node
        self.partThreshold = partThreshold
        self.store = store
        directory = ParticipantDirectory(store: store)
        packages = PackageReader(store: store)
        self.parseShards = max(1, parseShards ?? ProcessInfo.processInfo.activeProcessorCount)
        try recoverInterrupted()
        try indexWaitingShipments()
    }

    // MARK: Submitting

    /// Validates and applies a document, and returns it in its final state
    /// (`CHECKED_OK` or `CHECKED_NOT_OK`; `WAIT_ACCEPTANCE` for a valid two-step
    /// transfer, whose codes are then reserved until ``accept(_:by:)`` or
    /// ``reject(_:by:)``). Problems with the document itself (missing fields, unknown
    /// participants, an empty or oversized code list) throw and store nothing;
    /// problems with codes refuse the document, which is stored with them. A document
    /// number the participant already used returns that first document.
    public func submit(_ request: DocumentRequest, progress: JobProgress? = nil) throws(MarkingError) -> Document {
        try submit(request, progress: progress, opened: { _, _ in })
    }

    /// ``submit(_:progress:)``, telling `opened` about the document as soon as it is
    /// stored `IN_PROGRESS` (`isNew`), or found under its number (`!isNew`), before
    /// its codes are checked: a server answers with the document's id at once while
    /// the job goes on. `opened` is not called when the document itself is invalid.
    public func submit(
        _ request: DocumentRequest, progress: JobProgress? = nil, opened: (_ document: Document, _ isNew: Bool) -> Void
    ) throws(MarkingError) -> Document {
        try submit(try DocumentCommand(validating: request), progress: progress, opened: opened)
    }

    /// Runs a typed document command: see ``submit(_:progress:opened:)``.
    public func submit(
        _ command: DocumentCommand, progress: JobProgress? = nil, opened: (_ document: Document, _ isNew: Bool) -> Void = { _, _ in }
    ) throws(MarkingError) -> Document {
        try validate(command)
        let (document, isNew) = try open(command)
        opened(document, isNew)
        guard isNew else { return document }
        progress?.start(total: command.codes.count * 3)
        let parseStart = ContinuousClock.now
        let lines = parse(command.codes, progress: progress)
        progress?.finished(.parse, since: parseStart)
        return try run(document, command: command, lines: lines, progress: progress)
    }

    /// For tests: does everything ``submit(_:progress:)`` does (opens the document,
    /// stores it `IN_PROGRESS`, parses and validates its codes, stages the changes) up
    /// to the final write, and then stops, as a process killed just before committing.
    func submitStoppingBeforeCommit(_ request: DocumentRequest) throws(MarkingError) -> Document {
        let command = try DocumentCommand(validating: request)
        try validate(command)
        let (document, isNew) = try open(command)
        guard isNew else { return document }
        let lines = parse(command.codes, progress: nil)
        return try run(document, command: command, lines: lines, progress: nil, commit: false)
    }

    /// Checks what a document's fields alone cannot tell: the size of its code list,
    /// and (under the commit order, from ``open(_:)``) that its participants are registered.
    private func validate(_ command: DocumentCommand) throws(MarkingError) {
        try command.validateCodeCount()
        if case .aggregation(let package, _) = command.kind {
            // Read now, so that a package label nobody can read refuses the document
            // before it is stored, rather than failing inside its job.
            switch parseLine(Array(package.utf8)[...]) {
            case .malformed(let problem):
                throw MarkingError(.invalidInput, "cannot read package \(package): \(problem)", field: .init("package", .documentPackage))
            case .code, .sscc:
                break
            }
        }
    }

    private func validateParticipants(_ command: DocumentCommand) throws(MarkingError) {
        guard try directory.participant(command.participant) != nil else {
            throw MarkingError(.invalidInput, "participant \(command.participant) is not registered")
        }
        if let receiver = command.receiver, try directory.participant(receiver) == nil {
            throw MarkingError(.invalidInput, "receiver \(receiver) is not registered", field: .init("receiver", .receiverUnknown))
        }
    }

    /// Returns the participant's document with this number if there is one; otherwise
    /// stores a new `IN_PROGRESS` document (and its in-flight marker) durably.
    private func open(_ command: DocumentCommand) throws(MarkingError) -> (Document, Bool) {
        // Computed before the commit order is taken: it reads every code line.
        let fingerprint = command.fingerprint
        return try store.committer.commit { changeset throws(MarkingError) -> (Document, Bool) in
            try validateParticipants(command)
            if let id = try store.documentID(participant: command.participant, number: command.number), let document = try document(id) {
                if let stored = document.fingerprint, stored != fingerprint {
                    throw MarkingError(
                        .numberReused,
                        "document number \(command.number) was used for document \(id), whose content differs; a retry must send the same document",
                        field: .init("number", .numberReused))
                }
                return (document, false)
            }
            var document = Document(opening: command, id: try store.nextID(.document, in: &changeset))
            document.fingerprint = fingerprint
            changeset.putDocument(document.id, try encode(document))
            changeset.putDocumentNumber(command.number, of: document.participant, id: document.id)
            changeset.setInFlight(document.id, node: node)
            return (document, true)
        }.value
    }

    // MARK: Validating and applying


    /// Validates `lines` against the store and applies the document, or records why
    /// not, as one changeset under the commit order. With `commit: false` (tests) the
    /// changeset is built and dropped, as by a process killed just before writing it.
    private func run(
        _ document: Document, command: DocumentCommand, lines: [Line], progress: JobProgress?,
        commit: Bool = true
    ) throws(MarkingError) -> Document {
        var writeStart = ContinuousClock.now
        let decided: Document
        do {
            decided = try decide(document, command: command, lines: lines, progress: progress, commit: commit, writeStart: &writeStart)
        } catch {
            // A job never stays IN_PROGRESS because something failed inside it: the
            // document ends refused, saying why, and nothing else is written.
            guard commit else { throw error }
            return try fail(document, error)
        }
        if commit {
            progress?.finished(.write, since: writeStart)
            progress?.add(lines.count)
        }
        return decided
    }

    /// Ends `document` `CHECKED_NOT_OK`, reason `PROCESSING_ERROR`, after `error`.
    private func fail(_ document: Document, _ error: MarkingError) throws(MarkingError) -> Document {
        try store.committer.commit { changeset throws(MarkingError) -> Document in
            guard var stored = try self.document(document.id), stored.state == .inProgress else {
                return try self.document(document.id) ?? document
            }
            stored.state = .checkedNotOK
            stored.refusals = [.processingError: 1]
            stored.firstRefused = [Refusal(line: 0, code: "", reason: .processingError, detail: error.message)]
            stored.finishedAt = MarkingStore.now()
            changeset.putDocument(stored.id, try encode(stored))
            changeset.clearInFlight(stored.id)
            return stored
        }.value
    }

    private func decide(
        _ document: Document, command: DocumentCommand, lines: [Line], progress: JobProgress?, commit: Bool,
        writeStart: inout ContinuousClock.Instant
    ) throws(MarkingError) -> Document {
        try store.committer.commit { changeset throws(MarkingError) -> Document in
            // Decided meanwhile (marked INTERRUPTED when its node was taken over):
            // the stored decision stands and nothing is applied.
            if let stored = try self.document(document.id), stored.state != .inProgress { return stored }
            var work = DocumentWork(document: document, engine: self, command: command)
            let readStart = ContinuousClock.now
            try work.collect(lines)
            progress?.finished(.read, since: readStart)
            progress?.add(lines.count)
            let checkStart = ContinuousClock.now
            try work.check()
            progress?.finished(.check, since: checkStart)
            progress?.add(lines.count)
            guard commit else { return work.document }
            var document = work.document
            document.finishedAt = MarkingStore.now()
            if work.refused.isEmpty {
                document.state = command.acceptance ? .waitAcceptance : .checkedOK
                document.applied = work.changed
                changeset = work.changeset
            } else {
                document.state = .checkedNotOK
                document.refusals = work.refusalCounts
                document.firstRefused = work.refused.sorted { $0.line < $1.line }
            }
            changeset.putDocument(document.id, try encode(document))
            changeset.clearInFlight(document.id)
            writeStart = ContinuousClock.now
            return document
        }.value
    }

    // MARK: Recovery

    /// Documents left `IN_PROGRESS` by a crash were not applied: the apply batch carries
    /// the state change, so it either landed whole (and the document says
    /// `CHECKED_OK`) or not at all. They are marked `CHECKED_NOT_OK`, reason `INTERRUPTED`.
    private func recoverInterrupted() throws(MarkingError) {
        try interruptDocuments(of: node)
    }

    /// Marks the documents in flight on `node` `CHECKED_NOT_OK`, reason
    /// `INTERRUPTED`: at start for this engine's own node, or by the replica that takes
    /// over from a node that is gone. A node whose document is marked so applies nothing
    /// of it, even if it comes back midway: its decision finds the document decided.
    public func interruptDocuments(of node: String) throws(MarkingError) {
        for (id, owner) in try store.documentsInFlight() where owner == node {
            _ = try store.committer.commit { changeset throws(MarkingError) in
                if var document = try document(id), document.state == .inProgress {
                    document.state = .checkedNotOK
                    document.refusals = [.interrupted: document.lines]
                    document.firstRefused = [Refusal(line: 0, code: "", reason: .interrupted, detail: "the engine stopped before this document was applied; no code was changed")]
                    document.finishedAt = MarkingStore.now()
                    changeset.putDocument(id, try encode(document))
                }
                changeset.clearInFlight(id)
            }
        }
    }

    // MARK: Encoding

    func encode<T: Encodable>(_ value: T) throws(MarkingError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw MarkingError(.store, "cannot encode \(T.self)")
        }
    }
}
extension Document {
    /// A new document for `command`, `IN_PROGRESS`, as stored before its codes are checked.
    init(opening command: DocumentCommand, id: UInt64) {
        var customs: (String?, String?, String?) = (nil, nil, nil)
        if case .introduction(let declaration, let declarationDate, let productionDate) = command.kind {
            customs = (declaration, declarationDate, productionDate)
        }
        var package: (String?, PackageKind?) = (nil, nil)
        if case .aggregation(let label, let kind) = command.kind { package = (label, kind) }
        self.init(
            id: id, type: command.type, participant: command.participant, number: command.number, date: command.date,
            receiver: command.receiver, acceptance: command.acceptance ? true : nil, reason: command.kind.reason?.name,
            customsDeclaration: customs.0, customsDeclarationDate: customs.1, productionDate: customs.2,
            package: package.0, packageKind: package.1, state: .inProgress, lines: command.codes.count, applied: 0,
            refusals: [:], firstRefused: [], createdAt: MarkingStore.now(), finishedAt: nil)
    }
}

