import Dispatch
import Foundation
import MarkingCore
import RocksDB
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
    let parseShards: Int

    /// Status-change documents with at least this many codes are checked in parallel parts.
    let partThreshold: Int

    public convenience init(store: MarkingStore, parseShards: Int? = nil) throws(MarkingError) {
        try self.init(store: store, parseShards: parseShards, partThreshold: 200_000)
    }

    init(store: MarkingStore, parseShards: Int?, partThreshold: Int) throws(MarkingError) {
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
    /// and that its participants are registered.
    private func validate(_ command: DocumentCommand) throws(MarkingError) {
        try command.validateCodeCount()
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
        try store.committer.commit { changeset throws(MarkingError) -> (Document, Bool) in
            if let id = try store.documentID(participant: command.participant, number: command.number), let document = try document(id) {
                return (document, false)
            }
            let document = Document(opening: command, id: try store.nextID(.document, in: &changeset))
            changeset.putDocument(document.id, try encode(document))
            changeset.putDocumentNumber(command.number, of: document.participant, id: document.id)
            changeset.setInFlight(document.id, true)
            return (document, true)
        }.value
    }

    // MARK: Parsing

    /// What one line of a code list turned out to be.
    enum Line {
        /// A marking code (a unit, or a group package's own code).
        case code(CodeRef, tail: TailCheck)
        /// A transport package.
        case sscc(String)
        case malformed(String)
    }

    /// What is known about a line's tail before the record is read.
    enum TailCheck: Sendable {
        case none, valid, invalid
        /// An AI 93 tail (its 4 characters packed), verified once the record names the key.
        case short(UInt32)

        /// Packs the 4 characters of an AI 93 tail.
        static func pack<S: Sequence>(_ tail: S) -> UInt32 where S.Element == UInt8 {
            var packed: UInt32 = 0
            var count = 0
            for byte in tail {
                if count < 4 { packed |= UInt32(byte) << (8 * UInt32(count)) }
                count += 1
            }
            return count == 4 ? packed : 0
        }
    }

    /// Parses every line, in parallel over contiguous slices of the list.
    private func parse(_ codes: CodeList, progress: JobProgress?) -> [Line] {
        let count = codes.count
        let shards = min(parseShards, max(1, count / 10_000))
        let results = Mutex<[[Line]]>(Array(repeating: [], count: shards))
        DispatchQueue.concurrentPerform(iterations: shards) { shard in
            let range = (count * shard / shards)..<(count * (shard + 1) / shards)
            var lines: [Line] = []
            lines.reserveCapacity(range.count)
            var reader = LineReader(store: store)
            for index in range {
                lines.append(reader.read(codes.line(index)))
                if index % 8_192 == 0 { progress?.add(8_192) }
            }
            results.withLock { $0[shard] = lines }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    private func parseLine(_ line: ArraySlice<UInt8>) -> Line {
        var reader = LineReader(store: store)
        return reader.read(line)
    }

    /// Reads lines into ``Line``s, keeping the permutation and signer of the last
    /// GTIN and key it saw, since the lines of one document mostly share both.
    struct LineReader {
        let store: MarkingStore
        private let serialLengths: [Int]
        private var permutation: SerialPermutation?
        private var signer: KeyedTailSigner?
        /// The 4 key id bytes `signer` was looked up for.
        private var signerKey: UInt32 = 0

        init(store: MarkingStore) {
            self.store = store
            serialLengths = store.catalog.serialLengths
        }

        mutating func read(_ line: ArraySlice<UInt8>) -> Line {
            if let fast = readCanonical(line) { return fast }
            do {
                if let sscc = try PackageLabel.sscc(from: line) { return .sscc(sscc) }
            } catch {
                return .malformed(error.message)
            }
            let code: MarkingCode
            do {
                code = try store.parser.parse(bytes: Array(line))
            } catch {
                return .malformed(error.description)
            }
            let cis = code.cis
            let length = cis.serial.bytes.count
            if permutation == nil || permutation!.gtin != cis.gtin || permutation!.length != length {
                permutation = store.permutation(gtin: cis.gtin, serialLength: length)
            }
            let ref = CodeRef(gtin: cis.gtin, serialLength: length, preimage: permutation!.preimage(of: cis.serial)!)
            switch code.tailKind {
            case nil:
                return .code(ref, tail: .none)
            case .shortMAC?:
                return .code(ref, tail: .short(TailCheck.pack((code.tail ?? "").utf8)))
            case .keyIdAndMAC?:
                guard let keyID = code.keyID, let tail = code.tail else { return .code(ref, tail: .invalid) }
                if signer?.keyID != keyID { signer = store.signer.keyed(keyID) }
                guard let signer else { return .code(ref, tail: .invalid) }
                return .code(ref, tail: signer.matches(cis, tail: tail, kind: .keyIdAndMAC) ? .valid : .invalid)
            }
        }

        /// Reads a line in the exact shape this engine writes (`01`, 14 digits, `21`,
        /// serial, then 0x1D `91` key 0x1D `92` tail, or 0x1D `93` tail, or nothing)
        /// in place, without a copy or an allocation, verifying the tail over the
        /// line's own CIS bytes. Returns `nil` for anything else, which then goes
        /// through the full parser (and its precise errors).
        mutating func readCanonical(_ line: ArraySlice<UInt8>) -> Line? {
            line.withUnsafeBytes { bytes -> Line? in
                let count = bytes.count
                guard count >= 24, bytes[0] == 0x30, bytes[1] == 0x31 else { return nil }
                var kind: TailKind?
                var serialLength = 0
                for length in serialLengths {
                    let cis = 18 + length
                    if count == cis + 54, bytes[cis] == 0x1D, bytes[cis + 1] == 0x39, bytes[cis + 2] == 0x31,
                       bytes[cis + 7] == 0x1D, bytes[cis + 8] == 0x39, bytes[cis + 9] == 0x32
                    {
                        kind = .keyIdAndMAC
                    } else if count == cis + 7, bytes[cis] == 0x1D, bytes[cis + 1] == 0x39, bytes[cis + 2] == 0x33 {
                        kind = .shortMAC
                    } else if count != cis {
                        continue
                    }
                    serialLength = length
                    break
                }
                guard serialLength > 0, bytes[16] == 0x32, bytes[17] == 0x31 else { return nil }
                var gtinValue: UInt64 = 0
                for index in 2..<16 {
                    let digit = bytes[index] &- 48
                    guard digit < 10 else { return nil }
                    gtinValue = gtinValue * 10 + UInt64(digit)
                }
                guard gtinValue % 10 == GTIN.checkDigit(of: gtinValue / 10) else { return nil }
                let serial = UnsafeRawBufferPointer(rebasing: bytes[18..<18 + serialLength])
                guard serial.allSatisfy(SerialAlphabet.contains) else { return nil }
                let gtin = GTIN(uncheckedValue: gtinValue)
                let current: SerialPermutation
                if let permutation, permutation.gtin == gtin, permutation.length == serialLength {
                    current = permutation
                } else {
                    current = store.permutation(gtin: gtin, serialLength: serialLength)
                    permutation = current
                }
                let ref = CodeRef(gtin: gtin, serialLength: serialLength, preimage: current.preimage(ofBytes: serial))
                let cisLength = 18 + serialLength
                switch kind {
                case nil:
                    return .code(ref, tail: .none)
                case .shortMAC?:
                    let tail = UnsafeRawBufferPointer(rebasing: bytes[(cisLength + 3)...])
                    guard tail.allSatisfy(Base64.isAlphabet) else { return nil }
                    return .code(ref, tail: .short(TailCheck.pack(tail)))
                case .keyIdAndMAC?:
                    let keyBytes = UnsafeRawBufferPointer(rebasing: bytes[(cisLength + 3)..<(cisLength + 7)])
                    let given = UnsafeRawBufferPointer(rebasing: bytes[(cisLength + 10)...])
                    guard keyBytes.allSatisfy(SerialAlphabet.contains) else { return nil }
                    let packedKey = keyBytes.loadUnaligned(as: UInt32.self)
                    if packedKey != signerKey {
                        signer = store.signer.keyed(String(decoding: keyBytes, as: UTF8.self))
                        signerKey = packedKey
                    }
                    let matches = signer.map { signer in
                        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 44) { expected in
                            // The CIS is the line's own first `cisLength` bytes.
                            let written = signer.writeTail(
                                of: UnsafeRawBufferPointer(rebasing: bytes[0..<cisLength]), kind: .keyIdAndMAC,
                                to: expected.baseAddress!)
                            var difference: UInt8 = 0
                            for index in 0..<written { difference |= expected[index] ^ given[index] }
                            return difference == 0
                        }
                    } ?? false
                    // A tail equal to the computed one is base64 by construction, so its
                    // alphabet is only looked at when it differs: a forged tail is refused
                    // as forged, a tail that is not base64 goes to the full parser.
                    if matches { return .code(ref, tail: .valid) }
                    guard given.dropLast().allSatisfy(Base64.isAlphabet),
                          given.last == UInt8(ascii: "=") || Base64.isAlphabet(given.last!)
                    else { return nil }
                    return .code(ref, tail: .invalid)
                }
            }
        }
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
        let decided = try store.committer.commit { changeset throws(MarkingError) -> Document in
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
            changeset.setInFlight(document.id, false)
            writeStart = ContinuousClock.now
            return document
        }.value
        if commit {
            progress?.finished(.write, since: writeStart)
            progress?.add(lines.count)
        }
        return decided
    }

    // MARK: Reading

    /// The stored document `id`, or `nil`.
    public func document(_ id: UInt64) throws(MarkingError) -> Document? {
        guard let bytes = try store.document(id) else { return nil }
        do {
            return try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "document \(id) is unreadable")
        }
    }

    /// A code's record and the packages it sits in, innermost first.
    public func trace(_ code: MarkingCode) throws(MarkingError) -> CodeTrace? {
        guard let record = try store.record(for: code.cis) else { return nil }
        var parents: [PackageRecord] = []
        var parent = record.parent
        while parent != 0, parents.count < 8, let package = try packages.record(id: parent) {
            parents.append(package)
            parent = package.parent
        }
        return CodeTrace(record: record, packages: parents)
    }

    /// The package with the internal id `id` (as in a record's `parent`), or `nil`.
    public func package(id: UInt64) throws(MarkingError) -> PackageRecord? {
        try packages.record(id: id)
    }

    /// A package and what it holds: its direct children and the units inside it at any depth.
    public func contents(of label: String) throws(MarkingError) -> PackageContents? {
        let line = Array(label.utf8)
        let packageLabel: PackageLabel
        switch parseLine(line[...]) {
        case .sscc(let digits): packageLabel = .sscc(digits)
        case .code(let ref, _): packageLabel = .code(ref)
        case .malformed(let problem): throw MarkingError(.invalidInput, "cannot read package label: \(problem)")
        }
        return try { () throws(MarkingError) -> PackageContents? in
            guard let record = try packages.record(packageLabel) else { return nil }
            let children = try packages.children(of: record.id)
            var total = children.units.count
            var pending = children.packages
            var childPackages: [PackageRecord] = []
            while let id = pending.popLast() {
                let inner = try packages.children(of: id)
                total += inner.units.count
                pending += inner.packages
                if let child = try packages.record(id: id), child.parent == record.id { childPackages.append(child) }
            }
            return PackageContents(
                package: record, units: children.units.map { store.cis(for: $0) }, packages: childPackages,
                totalUnits: total)
        }()
    }

    // MARK: Recovery

    /// Documents left `IN_PROGRESS` by a crash were not applied: the apply batch carries
    /// the state change, so it either landed whole (and the document says
    /// `CHECKED_OK`) or not at all. They are marked `CHECKED_NOT_OK`, reason `INTERRUPTED`.
    private func recoverInterrupted() throws(MarkingError) {
        for id in try store.documentsInFlight() {
            _ = try store.committer.commit { changeset throws(MarkingError) in
                if var document = try document(id), document.state == .inProgress {
                    document.state = .checkedNotOK
                    document.refusals = [.interrupted: document.lines]
                    document.firstRefused = [Refusal(line: 0, code: "", reason: .interrupted, detail: "the engine stopped before this document was applied; no code was changed")]
                    document.finishedAt = MarkingStore.now()
                    changeset.putDocument(id, try encode(document))
                }
                changeset.setInFlight(id, false)
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

/// A code's record and the packages around it.
public struct CodeTrace: Sendable {
    public let record: CodeRecord
    /// Innermost first.
    public let packages: [PackageRecord]
}

/// A package and its contents.
public struct PackageContents: Sendable {
    public let package: PackageRecord
    /// Units directly inside.
    public let units: [CIS]
    /// Packages directly inside.
    public let packages: [PackageRecord]
    /// Units inside at any depth.
    public let totalUnits: Int
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
