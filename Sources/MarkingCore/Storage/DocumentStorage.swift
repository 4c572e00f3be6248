import RocksDB

/// The `documents` family: documents, their numbers, and what shipments reserve.
///
/// | key | value |
/// |---|---|
/// | `D` + document id (8, big-endian) | the document (OwnershipBatch's `Document`, JSON) |
/// | `N` + participant (4, big-endian) + number (UTF-8) | document id (8, big-endian): a number applies once |
/// | `F` + document id | the node running it (UTF-8; empty on a single node): the document is in flight (stored `IN_PROGRESS`, not yet decided) |
/// | `S` + document id + `C` + chunk (4, big-endian) | codes a shipment reserved: per code its key length (1), key, and last document before the shipment (8, little-endian) |
/// | `S` + document id + `P` | packages a shipment reserved: per package its label length (1) and label (see `PackageStorage.swift`) |
/// | `W` + receiver (4, big-endian) + document id | empty: a shipment waiting for that receiver |
///
/// The `S` and `W` entries are written in the changeset that stores a shipment
/// `WAIT_ACCEPTANCE` and deleted in the one that accepts or rejects it. Ids are
/// big-endian, so a receiver's waiting shipments are one key range, oldest first.
enum DocumentKeys {
    static func document(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "D")] + bigEndian(id) }
    static func number(_ participant: UInt32, _ number: String) -> [UInt8] {
        [UInt8(ascii: "N")] + bigEndian(participant) + Array(number.utf8)
    }
    static let inFlightTag = UInt8(ascii: "F")
    static func inFlight(_ id: UInt64) -> [UInt8] { [inFlightTag] + bigEndian(id) }
    static func shipment(_ id: UInt64) -> [UInt8] { [UInt8(ascii: "S")] + bigEndian(id) }
    static func shipmentCodes(_ id: UInt64) -> [UInt8] { shipment(id) + [UInt8(ascii: "C")] }
    static func shipmentChunk(_ id: UInt64, _ chunk: UInt32) -> [UInt8] { shipmentCodes(id) + bigEndian(chunk) }
    static func shipmentPackages(_ id: UInt64) -> [UInt8] { shipment(id) + [UInt8(ascii: "P")] }
    static func waiting(_ receiver: UInt32) -> [UInt8] { [UInt8(ascii: "W")] + bigEndian(receiver) }
    static func waiting(_ receiver: UInt32, _ id: UInt64) -> [UInt8] { waiting(receiver) + bigEndian(id) }

    static func id(_ bytes: some Collection<UInt8>) -> UInt64? {
        bytes.count == 8 ? bytes.reduce(0) { $0 << 8 | UInt64($1) } : nil
    }

    /// A shipment's code chunk is closed once it holds this many bytes (some 70,000 codes).
    static let chunkBytes = 2 << 20
}

/// A code a shipment reserved, and the document it had before (a rejection puts it back).
public struct ReservedCode: Sendable, Equatable {
    public var ref: CodeRef
    public var previousDocument: UInt64

    public init(ref: CodeRef, previousDocument: UInt64) {
        self.ref = ref
        self.previousDocument = previousDocument
    }
}

extension MarkingStore {
    /// The stored document `id`.
    public func document(_ id: UInt64) throws(MarkingError) -> [UInt8]? {
        try read { try database.get(DocumentKeys.document(id), in: families[.documents]) }
    }

    /// The id of `participant`'s document numbered `number`.
    public func documentID(participant: UInt32, number: String) throws(MarkingError) -> UInt64? {
        try read { try database.get(DocumentKeys.number(participant, number), in: families[.documents]) }.flatMap(DocumentKeys.id)
    }

    /// The documents stored in flight and not decided since (a crash stopped them),
    /// with the node that runs them.
    public func documentsInFlight() throws(MarkingError) -> [(id: UInt64, node: String)] {
        try read { () throws -> [(id: UInt64, node: String)] in
            let cursor = try Cursor(database, family: families[.documents], prefix: [DocumentKeys.inFlightTag])
            var documents: [(id: UInt64, node: String)] = []
            while cursor.isValid {
                if let id = DocumentKeys.id(cursor.key.dropFirst()) {
                    documents.append((id, String(decoding: cursor.value, as: UTF8.self)))
                }
                cursor.next()
            }
            try cursor.checkStatus()
            return documents
        }
    }

    /// The shipments that hold reserved codes or packages (``waitingShipments(for:after:limit:)``
    /// reads the receivers' index instead).
    public func reservingShipments() throws(MarkingError) -> [UInt64] {
        try documentKeys(prefix: [UInt8(ascii: "S")]).compactMap { key in
            key.count == 10 && key.last == UInt8(ascii: "P") ? DocumentKeys.id(key[1..<9]) : nil
        }
    }

    /// Whether shipment `id` is in `receiver`'s index of waiting shipments.
    public func isIndexedWaiting(_ id: UInt64, for receiver: UInt32) throws(MarkingError) -> Bool {
        try read { try database.get(DocumentKeys.waiting(receiver, id), in: families[.documents]) } != nil
    }

    /// The ids of shipments waiting for `receiver`, oldest first: at most `limit`,
    /// those above `after`.
    public func waitingShipments(for receiver: UInt32, after: UInt64, limit: Int) throws(MarkingError) -> [UInt64] {
        guard after < .max, limit > 0 else { return [] }
        let prefix = DocumentKeys.waiting(receiver)
        return try documentKeys(from: DocumentKeys.waiting(receiver, after + 1), to: KeyPrefix.successor(of: prefix), limit: limit)
            .compactMap { DocumentKeys.id($0.suffix(8)) }
    }

    /// The codes shipment `id` reserved, in the order they were staged.
    public func reservedCodes(of id: UInt64) throws(MarkingError) -> [ReservedCode] {
        try read { () throws -> [ReservedCode] in
            let cursor = try Cursor(database, family: families[.documents], prefix: DocumentKeys.shipmentCodes(id))
            var codes: [ReservedCode] = []
            while cursor.isValid {
                try ShipmentChunk.decode(cursor.value, into: &codes)
                cursor.next()
            }
            try cursor.checkStatus()
            return codes
        }
    }

    /// The packages shipment `id` reserved.
    public func reservedPackages(of id: UInt64) throws(MarkingError) -> [PackageLabel] {
        guard let bytes = try read({ try database.get(DocumentKeys.shipmentPackages(id), in: families[.documents]) }) else { return [] }
        var labels: [PackageLabel] = []
        var index = 0
        while index < bytes.count {
            let end = index + 1 + Int(bytes[index])
            guard end <= bytes.count, let label = PackageLabel(storageKey: bytes[(index + 1)..<end]) else {
                throw MarkingError(.store, "the package list of shipment \(id) is damaged")
            }
            labels.append(label)
            index = end
        }
        return labels
    }

    private func documentKeys(prefix: [UInt8]) throws(MarkingError) -> [[UInt8]] {
        try documentKeys(from: prefix, to: KeyPrefix.successor(of: prefix), limit: .max)
    }

    private func documentKeys(from lower: [UInt8], to upper: [UInt8]?, limit: Int) throws(MarkingError) -> [[UInt8]] {
        try read { () throws -> [[UInt8]] in
            let cursor = try Cursor(database, family: families[.documents], from: lower, to: upper)
            var keys: [[UInt8]] = []
            while cursor.isValid, keys.count < limit {
                keys.append(cursor.key)
                cursor.next()
            }
            try cursor.checkStatus()
            return keys
        }
    }
}

/// The value of a shipment's code chunk.
enum ShipmentChunk {
    static func append(_ code: ReservedCode, to chunk: inout [UInt8]) {
        let key = code.ref.key
        chunk.append(UInt8(key.count))
        chunk += key
        withUnsafeBytes(of: code.previousDocument.littleEndian) { chunk += $0 }
    }

    static func decode(_ chunk: [UInt8], into codes: inout [ReservedCode]) throws(MarkingError) {
        var index = 0
        while index < chunk.count {
            let length = Int(chunk[index])
            let end = index + 1 + length + 8
            guard end <= chunk.count, let ref = CodeRef(key: chunk[(index + 1)..<(index + 1 + length)]) else {
                throw MarkingError(.store, "a shipment's code list is damaged")
            }
            let previous = chunk[(index + 1 + length)..<end].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            codes.append(ReservedCode(ref: ref, previousDocument: previous))
            index = end
        }
    }
}

extension Changeset {
    /// Stores document `id`.
    public mutating func putDocument(_ id: UInt64, _ value: [UInt8]) {
        put(DocumentKeys.document(id), value, in: .documents)
    }

    /// Records that `participant`'s document number `number` is document `id`.
    public mutating func putDocumentNumber(_ number: String, of participant: UInt32, id: UInt64) {
        put(DocumentKeys.number(participant, number), bigEndian(id), in: .documents)
    }

    /// Marks document `id` in flight on `node`.
    public mutating func setInFlight(_ id: UInt64, node: String) {
        put(DocumentKeys.inFlight(id), Array(node.utf8), in: .documents)
    }

    /// Marks document `id` decided.
    public mutating func clearInFlight(_ id: UInt64) {
        delete(DocumentKeys.inFlight(id), in: .documents)
    }

    /// Stores what shipment `id` reserves, and lists it as waiting for `receiver`.
    public mutating func putShipment(_ id: UInt64, receiver: UInt32, codes: [ReservedCode], packages: [PackageLabel]) {
        var chunk: [UInt8] = []
        var index: UInt32 = 0
        for code in codes {
            ShipmentChunk.append(code, to: &chunk)
            if chunk.count >= DocumentKeys.chunkBytes {
                put(DocumentKeys.shipmentChunk(id, index), chunk, in: .documents)
                chunk.removeAll(keepingCapacity: true)
                index += 1
            }
        }
        if !chunk.isEmpty { put(DocumentKeys.shipmentChunk(id, index), chunk, in: .documents) }
        var labels: [UInt8] = []
        for package in packages {
            let label = package.storageKey
            labels.append(UInt8(label.count))
            labels += label
        }
        put(DocumentKeys.shipmentPackages(id), labels, in: .documents)
        putWaiting(id, for: receiver)
    }

    /// Lists shipment `id` as waiting for `receiver`.
    public mutating func putWaiting(_ id: UInt64, for receiver: UInt32) {
        put(DocumentKeys.waiting(receiver, id), [], in: .documents)
    }

    /// Removes shipment `id` from `receiver`'s index of waiting shipments.
    public mutating func deleteWaiting(_ id: UInt64, for receiver: UInt32) {
        delete(DocumentKeys.waiting(receiver, id), in: .documents)
    }

    /// Removes what shipment `id` reserved and its entry in `receiver`'s index.
    public mutating func deleteShipment(_ id: UInt64, receiver: UInt32) {
        let shipment = DocumentKeys.shipment(id)
        deleteRange(from: shipment, to: KeyPrefix.successor(of: shipment)!, in: .documents)
        deleteWaiting(id, for: receiver)
    }
}
