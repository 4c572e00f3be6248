import RocksDB

/// The `audit` family: one line per audited call.
///
/// | key | value |
/// |---|---|
/// | time in ms (8, big-endian) + sequence of the process (8, big-endian) | the entry (MarkingHTTP's `AuditEntry`, JSON) |
///
/// A scan by key is a scan by time.
enum AuditKeys {
    static func line(ms: UInt64, sequence: UInt64) -> [UInt8] { bigEndian(ms) + bigEndian(sequence) }
}

extension MarkingStore {
    /// Audit lines in `[from, to)` (keys as ``auditKey(ms:sequence:)`` makes them),
    /// at most `limit` of those `keep` accepts; returns them and, when more follow,
    /// the key to continue from.
    public func auditLines(
        from lower: [UInt8], to upper: [UInt8], limit: Int, keep: ([UInt8]) -> Bool
    ) throws(MarkingError) -> (lines: [[UInt8]], next: [UInt8]?) {
        guard lower.lexicographicallyPrecedes(upper) else { return ([], nil) }
        return try read { () throws -> (lines: [[UInt8]], next: [UInt8]?) in
            let cursor = try Cursor(database, family: families[.audit], from: lower, to: upper)
            var lines: [[UInt8]] = []
            while cursor.isValid {
                if lines.count == limit { return (lines, cursor.key) }
                let value = cursor.value
                if keep(value) { lines.append(value) }
                cursor.next()
            }
            try cursor.checkStatus()
            return (lines, nil)
        }
    }

    /// The key of the audit line at `ms` with `sequence`: a position in the trail.
    public func auditKey(ms: UInt64, sequence: UInt64) -> [UInt8] { AuditKeys.line(ms: ms, sequence: sequence) }
}

extension Changeset {
    /// Appends one audit line.
    public mutating func putAuditLine(ms: UInt64, sequence: UInt64, _ value: [UInt8]) {
        put(AuditKeys.line(ms: ms, sequence: sequence), value, in: .audit)
    }
}
