import Crypto
import Foundation
import RocksDB

extension MarkingStore {
    /// A SHA-256 digest of every key and value of every family, in key order, with
    /// the family's number before each: two stores have equal digests exactly when
    /// they hold the same registry (and the same applied sequence). Replicas compare
    /// digests to prove they converged; it reads the whole store.
    public func digest() throws(MarkingError) -> String {
        try digestAtSequence().digest
    }

    /// ``digest()`` of one consistent state, with the applied sequence of that state:
    /// read from a snapshot, so changesets applied meanwhile are not half in it.
    public func digestAtSequence() throws(MarkingError) -> (sequence: UInt64, digest: String) {
        try read { () throws -> (sequence: UInt64, digest: String) in
            let snapshot = try Snapshot(of: database)
            let sequence = try database.get(MetaKeys.applied, in: families[.meta], snapshot: snapshot).flatMap(MetaKeys.decodeSequence) ?? 0
            var hasher = SHA256()
            for family in StoreFamily.allCases {
                let cursor = try Cursor(database, family: families[family], snapshot: snapshot)
                var entries: UInt64 = 0
                while cursor.isValid {
                    cursor.withEntry { key, value in
                        var header = [family.rawValue]
                        withUnsafeBytes(of: UInt32(key.count).bigEndian) { header += $0 }
                        withUnsafeBytes(of: UInt32(value.count).bigEndian) { header += $0 }
                        hasher.update(data: header)
                        hasher.update(bufferPointer: key)
                        hasher.update(bufferPointer: value)
                    }
                    entries += 1
                    cursor.next()
                }
                try cursor.checkStatus()
                withUnsafeBytes(of: entries.bigEndian) { hasher.update(bufferPointer: $0) }
            }
            return (sequence, hasher.finalize().map { String(format: "%02x", $0) }.joined())
        }
    }
}
