/// An error of the marking engine: a stable ``Code`` for programs and a human message
/// for people, in the style of swift-nio's `FileSystemError`.
///
/// Messages never contain key material; they name the input that was wrong and what
/// was expected instead.
public struct MarkingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable reason such as `gtin.check_digit`.
    public struct Code: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        public static let invalidGTIN: Code = "gtin.invalid"
        public static let gtinCheckDigit: Code = "gtin.check_digit"
        public static let invalidSerial: Code = "serial.invalid"
        public static let unknownTemplate: Code = "template.unknown"
        public static let invalidQuantity: Code = "order.quantity"
        public static let serialTaken: Code = "serial.taken"
        public static let serialSpaceExhausted: Code = "serial.space_exhausted"
        public static let keyFile: Code = "keys.file"
        /// The store holds a registry but its key file is not there.
        public static let keyFileMissing: Code = "keys.missing"
        /// The key file is not the one the store was created with (nor a rotation of it).
        public static let keyMismatch: Code = "keys.mismatch"
        /// A secret file (key ring, admin token) could not be written durably.
        public static let fileWrite: Code = "file.write"
        public static let unknownKey: Code = "keys.unknown"
        public static let store: Code = "store.failure"
        public static let dataFolder: Code = "store.data_folder"
        public static let unknownOrder: Code = "order.unknown"
        public static let unknownCode: Code = "code.unknown"
        public static let invalidInput: Code = "input.invalid"
        public static let unknownDocument: Code = "document.unknown"
        /// Only the receiver of a shipment may accept or reject it.
        public static let notReceiver: Code = "document.not_receiver"
        /// The document is not a shipment waiting for acceptance (any more).
        public static let notWaiting: Code = "document.not_waiting"
        /// Bytes that should hold a changeset do not.
        public static let malformedChangeset: Code = "changeset.malformed"
        /// The replicated log no longer holds changesets this store needs.
        public static let logTrimmed: Code = "log.trimmed"
        /// The replicated log cannot take or give changesets for now (its NATS servers
        /// are electing a new stream leader, or none is reachable): nothing was written,
        /// and the same request may succeed in a moment.
        public static let logUnavailable: Code = "log.unavailable"
    }

    /// The field of a command that is wrong, and the stable code of what is wrong
    /// with it: an HTTP answer builds its JSON pointer from `name`, the command line
    /// names the field.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var code: Code

        public init(_ name: String, _ code: Code) {
            self.name = name
            self.code = code
        }
    }

    public var code: Code
    public var message: String
    /// The field the error is about, when it is about one.
    public var field: Field?

    public init(_ code: Code, _ message: String, field: Field? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
