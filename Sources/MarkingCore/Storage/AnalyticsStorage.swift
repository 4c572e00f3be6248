import RocksDB

/// The `analytics` family: counts of codes kept up to date in the batch of every
/// changeset that moves codes, so that analytics pages read a few dozen keys and never
/// scan the codes.
///
/// | key | value |
/// |---|---|
/// | `S` + scope (4, big-endian) + status (1) | codes in that status (Int64, little-endian) |
/// | `G` + scope (4) + GTIN (8, big-endian) + status (1) | codes of that GTIN in that status |
/// | `D` + scope (4) + day (4, big-endian, days since 1970-01-01 UTC) + event (1) | codes that went through the ``AnalyticsEvent`` that day |
///
/// The scope is 0 for the whole registry and a participant's id for the codes it
/// owns (events: the codes it emitted, introduced, shipped, ...). A count that falls
/// to zero is deleted. Keys of one kind and scope are contiguous: an owner's statuses,
/// its GTINs and a range of its days are each one short scan, and the `S` keys of all
/// participants (the admin's table by participant) are one scan.
///
/// The counters are written only by the ``Committer``, under the commit order, from
/// the changeset's ``CodeTally``: it reads the few keys a changeset touches, adds, and
/// puts the sums into the changeset itself before it is written or appended to a log.
/// There is thus one writer of these keys and no read-modify-write race, and a replica
/// applying the changeset writes the same sums (the committing node's day included):
/// every copy holds the same counts and the store digest agrees.
enum AnalyticsKeys {
    static let status = UInt8(ascii: "S")
    static let gtin = UInt8(ascii: "G")
    static let day = UInt8(ascii: "D")

    static func statusKey(_ scope: UInt32, _ status: UInt8) -> [UInt8] { [Self.status] + bigEndian(scope) + [status] }

    static func gtinKey(_ scope: UInt32, _ gtin: UInt64, _ status: UInt8) -> [UInt8] {
        [Self.gtin] + bigEndian(scope) + bigEndian(gtin) + [status]
    }

    static func dayKey(_ scope: UInt32, _ day: UInt32, _ event: AnalyticsEvent) -> [UInt8] {
        [Self.day] + bigEndian(scope) + bigEndian(day) + [event.rawValue]
    }

    static func encode(_ count: Int64) -> [UInt8] { withUnsafeBytes(of: count.littleEndian) { Array($0) } }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        bytes.count == 8 ? Int64(littleEndian: bytes.loadUnaligned(as: Int64.self)) : 0
    }

    static func decodeUInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// The scopes a code of `owner` counts in: its owner's and the nation's. An owner 0
    /// (no participant has that id; a tool may still write it) counts once, nationally.
    static func scopes(_ owner: UInt32) -> [UInt32] { owner == 0 ? [0] : [owner, 0] }

    /// The counter changes a tally makes; `day` is the day of every event but
    /// emissions (which count on their codes' emission day).
    static func deltas(of tally: CodeTally, day: UInt32) -> [[UInt8]: Int64] {
        var deltas: [[UInt8]: Int64] = [:]
        for (step, count) in tally.allSteps {
            for scope in scopes(step.toOwner) {
                deltas[statusKey(scope, step.toStatus), default: 0] += count
                deltas[gtinKey(scope, step.gtin, step.toStatus), default: 0] += count
            }
            guard step.fromStatus != 0 else {
                for scope in scopes(step.toOwner) { deltas[dayKey(scope, step.emittedDay, .emitted), default: 0] += count }
                continue
            }
            for scope in scopes(step.fromOwner) {
                deltas[statusKey(scope, step.fromStatus), default: 0] -= count
                deltas[gtinKey(scope, step.gtin, step.fromStatus), default: 0] -= count
            }
            if step.fromStatus != step.toStatus, let status = CodeStatus(rawValue: step.toStatus) {
                for scope in scopes(step.toOwner) {
                    deltas[dayKey(scope, day, AnalyticsEvent(entering: status)), default: 0] += count
                }
            }
            if step.fromOwner != step.toOwner {
                for scope in scopes(step.fromOwner) { deltas[dayKey(scope, day, .shipped), default: 0] += count }
                if step.toOwner != 0 { deltas[dayKey(step.toOwner, day, .received), default: 0] += count }
            }
        }
        return deltas.filter { $0.value != 0 }
    }
}

extension Changeset {
    /// Turns the tally into counter writes of this changeset (see `AnalyticsStorage.swift`):
    /// for each counter it changes, `current` reads the stored count and the sum is
    /// put (or the key deleted at zero). Keys go in sorted order, so the changeset's
    /// bytes do not depend on hashing. Only the committer calls this, under the
    /// commit order.
    mutating func foldTally(day: UInt32, current: ([UInt8]) throws(MarkingError) -> Int64) throws(MarkingError) {
        guard !tally.isEmpty else { return }
        let deltas = AnalyticsKeys.deltas(of: tally, day: day)
        tally = CodeTally()
        for key in deltas.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let sum = try current(key) + deltas[key]!
            if sum == 0 {
                delete(key, in: .analytics)
            } else {
                put(key, AnalyticsKeys.encode(sum), in: .analytics)
            }
        }
    }
}

extension MarkingStore {
    /// Codes of `scope` per status.
    public func statusCounts(_ scope: AnalyticsScope) throws(MarkingError) -> StatusCounts {
        var counts = StatusCounts()
        try scan([AnalyticsKeys.status] + bigEndian(scope.number)) { key, count in
            if let status = CodeStatus(rawValue: key[5]) { counts[status] += count }
        }
        return counts
    }

    /// Codes of `scope` per GTIN and status, by GTIN.
    public func gtinCounts(_ scope: AnalyticsScope) throws(MarkingError) -> [(gtin: GTIN, counts: StatusCounts)] {
        var result: [(gtin: GTIN, counts: StatusCounts)] = []
        try scan([AnalyticsKeys.gtin] + bigEndian(scope.number)) { key, count in
            let gtin = key[5..<13].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard let status = CodeStatus(rawValue: key[13]) else { return }
            if result.last?.gtin.value != gtin { result.append((GTIN(uncheckedValue: gtin), StatusCounts())) }
            result[result.count - 1].counts[status] += count
        }
        return result
    }

    /// The events of `scope` on the days `[from, to]` that had any, by day.
    public func dayCounts(_ scope: AnalyticsScope, from: UInt32, through to: UInt32) throws(MarkingError) -> [DayCounts] {
        guard from <= to else { return [] }
        let prefix = [AnalyticsKeys.day] + bigEndian(scope.number)
        var result: [DayCounts] = []
        try scan(from: prefix + bigEndian(from), to: to == .max ? KeyPrefix.successor(of: prefix)! : prefix + bigEndian(to + 1)) { key, count in
            let day = key.withUnsafeBytes { AnalyticsKeys.decodeUInt32($0, at: 5) }
            guard let event = AnalyticsEvent(rawValue: key[9]) else { return }
            if result.last?.day != day { result.append(DayCounts(day: day, events: [:])) }
            result[result.count - 1].events[event, default: 0] += count
        }
        return result
    }

    /// Every participant that owns codes, with its codes per status, by id.
    public func participantCounts() throws(MarkingError) -> [(participant: UInt32, counts: StatusCounts)] {
        var result: [(participant: UInt32, counts: StatusCounts)] = []
        try scan([AnalyticsKeys.status]) { key, count in
            let scope = key.withUnsafeBytes { AnalyticsKeys.decodeUInt32($0, at: 1) }
            guard scope != 0, let status = CodeStatus(rawValue: key[5]) else { return }
            if result.last?.participant != scope { result.append((scope, StatusCounts())) }
            result[result.count - 1].counts[status] += count
        }
        return result
    }

    /// Scans the keys under `prefix`; every prefix here starts with a kind byte below
    /// 0xFF, so its successor exists.
    private func scan(_ prefix: [UInt8], _ body: ([UInt8], Int64) -> Void) throws(MarkingError) {
        try scan(from: prefix, to: KeyPrefix.successor(of: prefix)!, body)
    }

    private func scan(from lower: [UInt8], to upper: [UInt8], _ body: ([UInt8], Int64) -> Void) throws(MarkingError) {
        try read { () throws -> Void in
            let cursor = try Cursor(database, family: families[.analytics], from: lower, to: upper, fillCache: true)
            while cursor.isValid {
                let (key, count) = cursor.withEntry { key, value in (Array(key), AnalyticsKeys.decode(value)) }
                body(key, count)
                cursor.next()
            }
            try cursor.checkStatus()
        }
    }
}
