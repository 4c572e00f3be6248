/// The keys that start with a prefix, as the half-open bounds RocksDB's cursors and
/// range deletions take: `[prefix, successor)`.
///
/// The successor is the prefix with its last byte below 0xFF incremented and the
/// 0xFF bytes after it dropped. Incrementing the last byte alone (`&+= 1`) wraps 0xFF
/// to 0x00 and gives an upper bound *below* the prefix: an empty scan, or an inverted
/// range deletion, for every prefix that ends in 0xFF (a package id of 255, 511, ...).
public enum KeyPrefix {
    /// The smallest key greater than every key that starts with `prefix`, or `nil`
    /// when there is none (the prefix is empty or all 0xFF: the range is unbounded).
    public static func successor(of prefix: some Collection<UInt8>) -> [UInt8]? {
        var bound = Array(prefix)
        while let last = bound.last {
            if last < 0xFF {
                bound[bound.count - 1] = last + 1
                return bound
            }
            bound.removeLast()
        }
        return nil
    }
}

extension Cursor {
    /// A cursor over exactly the keys of `family` that start with `prefix`.
    public convenience init(_ database: Database, family: ColumnFamily, prefix: [UInt8], snapshot: Snapshot? = nil) throws {
        try self.init(database, family: family, from: prefix, to: KeyPrefix.successor(of: prefix), snapshot: snapshot)
    }
}

extension WriteBatch {
    /// Deletes every key of `family` that starts with `prefix`.
    public func deletePrefix(_ prefix: [UInt8], in family: ColumnFamily) {
        if let end = KeyPrefix.successor(of: prefix) {
            deleteRange(from: prefix, to: end, in: family)
        } else {
            // No successor: every key from the prefix to the end of the family.
            deleteRange(from: prefix, to: [UInt8](repeating: 0xFF, count: prefix.count + 64), in: family)
        }
    }
}
