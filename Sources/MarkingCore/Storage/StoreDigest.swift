import Crypto
import Foundation
import RocksDB

extension MarkingStore {
    /// A SHA-256 digest of every key and value of every family, in key order, with
    /// the family's number before each: two stores have equal digests exactly when
    /// they hold the same registry (and the same applied sequence). Replicas compare
    /// digests to prove they converged; it reads the whole store.
    public func digest() throws(MarkingError) -> String {
        try read { () throws -> String in
            var hasher = SHA256()
            for family in StoreFamily.allCases {
                let cursor = try Cursor(database, family: families[family])
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
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }
}
