import RocksDB

/// Reads and writes of the reference-data families: `orders`, `participants` (with
/// tokens), `products` and `violations`. Values are the owning module's encoding
/// (JSON); keys are built only here.
///
/// `orders`:
///
/// | key | value |
/// |---|---|
/// | order id (8, big-endian) | the order (Emitter's `EmissionOrder`) |
/// | `FF` `N` + producer id (4, big-endian) + the producer's order number (UTF-8) | the order's id (8, big-endian) |
///
/// Number keys sort after every id key (ids stay below 2^56), so a scan of the
/// orders stops at the first key starting with `FF`.
/// `participants`:
///
/// | key | value |
/// |---|---|
/// | `p` + participant id (4, big-endian) | the ``Participant`` |
/// | `t` + SHA-256 of a token's secret (32) | the token (one point read per request) |
/// | `k` + participant id (4) + token id (8, big-endian) | the SHA-256 of that token's secret: a participant's tokens are one key range |
///
/// `products`:
///
/// | key | value |
/// |---|---|
/// | GTIN as 14 digits | the product card |
/// | `g` + GTIN as 14 digits | the participant the admin assigned the GTIN to (4, big-endian) |
/// | `a` + a GS1 company prefix (6 to 12 digits) | the participant the admin assigned the prefix to (4) |
///
/// `violations`:
///
/// | key | value |
/// |---|---|
/// | report id (8, big-endian) | the report: a scan is in arrival order; only the newest are kept (the HTTP API's `ViolationReports.retained`) |
enum ReferenceKeys {
    static func order(_ id: UInt64) -> [UInt8] { bigEndian(id) }
    static let orderNumberTag: [UInt8] = [0xFF, UInt8(ascii: "N")]
    static func orderNumber(_ producer: UInt32, _ number: String) -> [UInt8] { orderNumberTag + bigEndian(producer) + Array(number.utf8) }
    static func participant(_ id: UInt32) -> [UInt8] { [UInt8(ascii: "p")] + bigEndian(id) }
    static func token(hash: [UInt8]) -> [UInt8] { [UInt8(ascii: "t")] + hash }
    static func tokens(of participant: UInt32) -> [UInt8] { [UInt8(ascii: "k")] + bigEndian(participant) }
    static func tokenIndex(_ participant: UInt32, _ token: UInt64) -> [UInt8] { tokens(of: participant) + bigEndian(token) }
    static func product(_ gtin: GTIN) -> [UInt8] { Array(gtin.description.utf8) }
    static let gtinAssignmentTag = UInt8(ascii: "g")
    static let prefixAssignmentTag = UInt8(ascii: "a")
    static func assignment(_ digits: String) -> [UInt8] {
        [digits.utf8.count == 14 ? gtinAssignmentTag : prefixAssignmentTag] + Array(digits.utf8)
    }
    static func violation(_ id: UInt64) -> [UInt8] { bigEndian(id) }
}

/// Big-endian bytes of an id: keys of ids sort as the ids do.
func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

extension MarkingStore {
    // MARK: Orders

    /// The stored order `id`.
    public func order(_ id: UInt64) throws(MarkingError) -> [UInt8]? {
        try read { try database.get(ReferenceKeys.order(id), in: families[.orders]) }
    }

    /// Every stored order, in id order.
    public func forEachOrder(_ body: ([UInt8]) throws -> Void) throws(MarkingError) {
        try read { () throws -> Void in
            let cursor = try Cursor(database, family: families[.orders])
            while cursor.isValid, cursor.key.first != ReferenceKeys.orderNumberTag[0] {
                try body(cursor.value)
                cursor.next()
            }
            try cursor.checkStatus()
        }
    }

    /// The id of the order `producer` placed under its order number `number`.
    public func orderID(producer: UInt32, number: String) throws(MarkingError) -> UInt64? {
        let value = try read { try database.get(ReferenceKeys.orderNumber(producer, number), in: families[.orders]) }
        guard let value, value.count == 8 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: Participants and tokens

    /// The stored participant `id`.
    public func participant(_ id: UInt32) throws(MarkingError) -> [UInt8]? {
        try read { try database.get(ReferenceKeys.participant(id), in: families[.participants]) }
    }

    /// The stored token whose secret hashes to `hash`.
    public func token(hash: [UInt8]) throws(MarkingError) -> [UInt8]? {
        try read { try database.get(ReferenceKeys.token(hash: hash), in: families[.participants]) }
    }

    /// The secret hashes of `participant`'s tokens, by token id.
    public func tokenHashes(of participant: UInt32) throws(MarkingError) -> [(id: UInt64, hash: [UInt8])] {
        try read { () throws -> [(id: UInt64, hash: [UInt8])] in
            let prefix = ReferenceKeys.tokens(of: participant)
            let cursor = try Cursor(database, family: families[.participants], prefix: prefix)
            var hashes: [(id: UInt64, hash: [UInt8])] = []
            while cursor.isValid {
                let id = cursor.key.dropFirst(prefix.count).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                hashes.append((id, cursor.value))
                cursor.next()
            }
            try cursor.checkStatus()
            return hashes
        }
    }

    // MARK: Products

    /// The stored card of `gtin`.
    public func product(_ gtin: GTIN) throws(MarkingError) -> [UInt8]? {
        try read { try database.get(ReferenceKeys.product(gtin), in: families[.products]) }
    }

    /// Every stored card, in GTIN order: the cabinet's product list. Cards are
    /// thousands, not billions, so a scan of the family is what a page costs.
    public func forEachProduct(_ body: ([UInt8]) throws -> Void) throws(MarkingError) {
        try read { () throws -> Void in
            let cursor = try Cursor(database, family: families[.products])
            // Cards are keyed by their 14 digits; the GTIN assignments, keyed by a
            // letter tag, sort after every card.
            while cursor.isValid, let first = cursor.key.first, first <= UInt8(ascii: "9") {
                try body(cursor.value)
                cursor.next()
            }
            try cursor.checkStatus()
        }
    }

    /// The participant `gtin` is assigned to, and the assignment that says so: the
    /// GTIN itself, else the longest GS1 company prefix (6 to 12 digits) of the 13
    /// digits after its indicator digit; `nil` when none is assigned.
    public func gtinAssignee(_ gtin: GTIN) throws(MarkingError) -> (participant: UInt32, assignment: String)? {
        let digits = gtin.description
        let company = digits.dropFirst()
        let candidates = [digits] + (6...12).reversed().map { String(company.prefix($0)) }
        for candidate in candidates {
            let value = try read { try database.get(ReferenceKeys.assignment(candidate), in: families[.products]) }
            if let value, value.count == 4 { return (value.reduce(0) { $0 << 8 | UInt32($1) }, candidate) }
        }
        return nil
    }

    /// Every GTIN and company prefix assignment, GTINs first, each in digit order.
    public func gtinAssignments() throws(MarkingError) -> [(assignment: String, participant: UInt32)] {
        try read { () throws -> [(assignment: String, participant: UInt32)] in
            var found: [(assignment: String, participant: UInt32)] = []
            for tag in [ReferenceKeys.gtinAssignmentTag, ReferenceKeys.prefixAssignmentTag] {
                let cursor = try Cursor(database, family: families[.products], prefix: [tag])
                while cursor.isValid {
                    let participant = cursor.value.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    found.append((String(decoding: cursor.key.dropFirst(), as: UTF8.self), participant))
                    cursor.next()
                }
                try cursor.checkStatus()
            }
            return found
        }
    }

    /// Whether the admin has assigned any GTIN or company prefix: from then on a card
    /// needs one (see the HTTP API's product register).
    public func hasGTINAssignments() throws(MarkingError) -> Bool {
        try read { () throws -> Bool in
            for tag in [ReferenceKeys.gtinAssignmentTag, ReferenceKeys.prefixAssignmentTag] {
                let cursor = try Cursor(database, family: families[.products], prefix: [tag])
                if cursor.isValid { return true }
                try cursor.checkStatus()
            }
            return false
        }
    }

    // MARK: Violations

    /// Up to `limit` stored reports with ids above `after`, oldest first.
    public func violations(after: UInt64, limit: Int) throws(MarkingError) -> [[UInt8]] {
        guard after < .max else { return [] }
        return try read { () throws -> [[UInt8]] in
            let cursor = try Cursor(database, family: families[.violations], from: ReferenceKeys.violation(after + 1))
            var reports: [[UInt8]] = []
            while cursor.isValid, reports.count < limit {
                reports.append(cursor.value)
                cursor.next()
            }
            try cursor.checkStatus()
            return reports
        }
    }
}

extension Changeset {
    /// Stores order `id`.
    public mutating func putOrder(_ id: UInt64, _ value: [UInt8]) { put(ReferenceKeys.order(id), value, in: .orders) }

    /// Records that `producer`'s order number `number` is order `id`.
    public mutating func putOrderNumber(_ number: String, of producer: UInt32, id: UInt64) {
        put(ReferenceKeys.orderNumber(producer, number), bigEndian(id), in: .orders)
    }

    /// Stores participant `id`.
    public mutating func putParticipant(_ id: UInt32, _ value: [UInt8]) {
        put(ReferenceKeys.participant(id), value, in: .participants)
    }

    /// Stores a token under the hash of its secret, and in its participant's list.
    public mutating func putToken(_ id: UInt64, of participant: UInt32, hash: [UInt8], _ value: [UInt8]) {
        put(ReferenceKeys.token(hash: hash), value, in: .participants)
        put(ReferenceKeys.tokenIndex(participant, id), hash, in: .participants)
    }

    /// Removes a token: it no longer resolves, nor is it listed.
    public mutating func deleteToken(_ id: UInt64, of participant: UInt32, hash: [UInt8]) {
        delete(ReferenceKeys.token(hash: hash), in: .participants)
        delete(ReferenceKeys.tokenIndex(participant, id), in: .participants)
    }

    /// Stores the card of `gtin`.
    public mutating func putProduct(_ gtin: GTIN, _ value: [UInt8]) { put(ReferenceKeys.product(gtin), value, in: .products) }

    /// Assigns a GTIN (14 digits) or a GS1 company prefix (6 to 12 digits) to `participant`.
    public mutating func putGTINAssignment(_ digits: String, to participant: UInt32) {
        put(ReferenceKeys.assignment(digits), bigEndian(participant), in: .products)
    }

    /// Stores violation report `id`.
    public mutating func putViolation(_ id: UInt64, _ value: [UInt8]) {
        put(ReferenceKeys.violation(id), value, in: .violations)
    }

    /// Drops the violation reports with ids below `id` (one range tombstone).
    public mutating func dropViolations(below id: UInt64) {
        deleteRange(from: ReferenceKeys.violation(0), to: ReferenceKeys.violation(id), in: .violations)
    }
}
