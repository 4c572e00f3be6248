/// A code's storage identity as a small value: GTIN, serial length and the serial's
/// preimage under the permutation. Hashing and sorting millions of these is far
/// cheaper than of their key byte arrays, which is what batch jobs do.
public struct CodeRef: Hashable, Comparable, Sendable {
    public var gtin: UInt64
    public var serialLength: UInt8
    public var preimage: UInt128

    public init(gtin: GTIN, serialLength: Int, preimage: UInt128) {
        self.gtin = gtin.value
        self.serialLength = UInt8(serialLength)
        self.preimage = preimage
    }

    /// Orders as the storage keys do.
    public static func < (lhs: CodeRef, rhs: CodeRef) -> Bool {
        (lhs.gtin, lhs.serialLength, lhs.preimage) < (rhs.gtin, rhs.serialLength, rhs.preimage)
    }

    /// The storage key.
    public var key: [UInt8] {
        CodeKey.make(gtin: GTIN(uncheckedValue: gtin), serialLength: Int(serialLength), preimage: preimage)
    }

    /// Reads a storage key back, or `nil` when it is not a code key.
    public init?(key: UnsafeRawBufferPointer) {
        guard let parts = CodeKey.decode(key) else { return nil }
        self.init(gtin: parts.gtin, serialLength: parts.serialLength, preimage: parts.preimage)
    }

    /// Reads a storage key back, or `nil` when it is not a code key.
    public init?(key: some Collection<UInt8>) {
        guard let parts = CodeKey.decode(key) else { return nil }
        self.init(gtin: parts.gtin, serialLength: parts.serialLength, preimage: parts.preimage)
    }
}

extension MarkingStore {
    /// The storage identity of a CIS.
    public func ref(for cis: CIS) -> CodeRef {
        let length = cis.serial.bytes.count
        let preimage = permutation(gtin: cis.gtin, serialLength: length).preimage(of: cis.serial)!
        return CodeRef(gtin: cis.gtin, serialLength: length, preimage: preimage)
    }

    /// The CIS of a stored identity (the permutation run forward).
    public func cis(for ref: CodeRef) -> CIS {
        let gtin = GTIN(uncheckedValue: ref.gtin)
        let serial = permutation(gtin: gtin, serialLength: Int(ref.serialLength)).serial(preimage: ref.preimage)
        return CIS(gtin: gtin, serial: serial)
    }
}
