/// What the store keeps about one code, in a fixed 48-byte little-endian layout.
///
/// The tail is not here: it is recomputed from the CIS and the key id. Fields that are
/// the same for every code of an order (producer, order, key id, time) repeat per code
/// on purpose: a record must answer a lookup alone, in one read, and RocksDB's block
/// compression folds the repetition away on disk.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | status (``CodeStatus``) |
/// | 1 | 1 | flags (``Flags``) |
/// | 2 | 1 | template id |
/// | 3 | 1 | reason of the last retirement or write-off (0 = none) |
/// | 4 | 4 | key id (ASCII) |
/// | 8 | 4 | owner (participant id) |
/// | 12 | 4 | producer (participant id) |
/// | 16 | 8 | order id |
/// | 24 | 8 | parent package id (0 = none) |
/// | 32 | 8 | last document id (0 = none); while the `inShipment` flag is set, the shipment |
/// | 40 | 8 | emission time, milliseconds since 1970 UTC |
public struct CodeRecord: Hashable, Sendable {
    /// Bits of the flags byte.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The producer supplied the serial; no permutation produced it.
        public static let selfMade = Flags(rawValue: 1)
        /// The code stands for a package (group or transport) with contents.
        public static let package = Flags(rawValue: 2)
        /// The code is reserved by a two-step transfer waiting for its receiver's
        /// acceptance; ``CodeRecord/lastDocument`` is that document. Nothing else may
        /// touch the code until the shipment is accepted or rejected.
        public static let inShipment = Flags(rawValue: 4)
    }

    public static let size = 48

    public var status: CodeStatus
    public var flags: Flags
    public var templateID: UInt8
    public var reason: UInt8
    /// The 4 ASCII bytes of the key id, packed so that a record holds no reference
    /// and millions of them move without reference counting.
    public var keyIDBytes: UInt32

    /// The key id that signs this code's tail.
    public var keyID: String {
        get { withUnsafeBytes(of: keyIDBytes.littleEndian) { String(decoding: $0, as: UTF8.self) } }
        set { keyIDBytes = Self.pack(newValue) }
    }

    static func pack(_ keyID: String) -> UInt32 {
        var bytes = Array(keyID.utf8.prefix(4))
        while bytes.count < 4 { bytes.append(0x20) }
        return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }
    public var owner: UInt32
    public var producer: UInt32
    public var order: UInt64
    public var parent: UInt64
    public var lastDocument: UInt64
    public var emittedAt: UInt64

    public init(
        status: CodeStatus, flags: Flags = [], templateID: UInt8, reason: UInt8 = 0, keyID: String,
        owner: UInt32, producer: UInt32, order: UInt64, parent: UInt64 = 0, lastDocument: UInt64 = 0,
        emittedAt: UInt64
    ) {
        self.status = status
        self.flags = flags
        self.templateID = templateID
        self.reason = reason
        self.keyIDBytes = Self.pack(keyID)
        self.owner = owner
        self.producer = producer
        self.order = order
        self.parent = parent
        self.lastDocument = lastDocument
        self.emittedAt = emittedAt
    }

    /// Writes the 48 bytes to `destination`.
    @inline(__always)
    public func encode(to destination: UnsafeMutableRawPointer) {
        destination.storeBytes(of: status.rawValue, toByteOffset: 0, as: UInt8.self)
        destination.storeBytes(of: flags.rawValue, toByteOffset: 1, as: UInt8.self)
        destination.storeBytes(of: templateID, toByteOffset: 2, as: UInt8.self)
        destination.storeBytes(of: reason, toByteOffset: 3, as: UInt8.self)
        destination.storeBytes(of: keyIDBytes.littleEndian, toByteOffset: 4, as: UInt32.self)
        destination.storeBytes(of: owner.littleEndian, toByteOffset: 8, as: UInt32.self)
        destination.storeBytes(of: producer.littleEndian, toByteOffset: 12, as: UInt32.self)
        destination.storeBytes(of: order.littleEndian, toByteOffset: 16, as: UInt64.self)
        destination.storeBytes(of: parent.littleEndian, toByteOffset: 24, as: UInt64.self)
        destination.storeBytes(of: lastDocument.littleEndian, toByteOffset: 32, as: UInt64.self)
        destination.storeBytes(of: emittedAt.littleEndian, toByteOffset: 40, as: UInt64.self)
    }

    /// The 48 bytes as an array.
    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.withUnsafeMutableBytes { encode(to: $0.baseAddress!) }
        return bytes
    }

    /// Reads a record, or returns `nil` when `bytes` is not one (wrong size or status).
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.size, let status = CodeStatus(rawValue: bytes[0]) else { return nil }
        self.status = status
        flags = Flags(rawValue: bytes[1])
        templateID = bytes[2]
        reason = bytes[3]
        keyIDBytes = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        owner = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        producer = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        order = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        parent = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        lastDocument = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
        emittedAt = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 40, as: UInt64.self))
    }

    /// Reads a record from an array.
    public init?(_ bytes: [UInt8]) {
        guard let record = bytes.withUnsafeBytes({ CodeRecord($0) }) else { return nil }
        self = record
    }
}
