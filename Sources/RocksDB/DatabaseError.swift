/// An error raised by the storage engine.
///
/// Like swift-nio's `FileSystemError`, it carries a stable ``Code`` that callers can
/// switch over and a human message for logs. RocksDB's own status text is copied into
/// `message` before the C string is freed, so no C memory outlives the call that failed.
public struct DatabaseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The database could not be opened (missing, unreadable, locked by another process).
        public static let open = Code("storage.open")
        /// A read failed.
        public static let read = Code("storage.read")
        /// A write failed; nothing of the batch was applied.
        public static let write = Code("storage.write")
        /// A flush, compaction or WAL sync failed.
        public static let maintenance = Code("storage.maintenance")
        /// An iterator reported a failure while scanning.
        public static let iteration = Code("storage.iteration")
        /// The database was used after ``Database/close()``.
        public static let closed = Code("storage.closed")
        /// A column family name that the database was not opened with.
        public static let unknownColumnFamily = Code("storage.unknown_column_family")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}
