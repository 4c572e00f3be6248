/// Many keys packed into one buffer, the input of ``Database/multiGet(_:in:sorted:snapshot:_:)``.
///
/// One allocation for a million keys instead of a million small arrays, and one stable
/// buffer whose interior pointers can be handed to RocksDB.
public struct KeyList: Sendable {
    var bytes: [UInt8] = []
    var offsets: [Int] = []
    var lengths: [Int] = []

    public init(capacity: Int = 0, keyLength: Int = 0) {
        bytes.reserveCapacity(capacity * keyLength)
        offsets.reserveCapacity(capacity)
        lengths.reserveCapacity(capacity)
    }

    /// The number of keys.
    public var count: Int { offsets.count }

    /// Appends one key.
    public mutating func append(_ key: some Collection<UInt8>) {
        offsets.append(bytes.count)
        lengths.append(key.count)
        bytes.append(contentsOf: key)
    }

    /// The key at `index`.
    public subscript(index: Int) -> ArraySlice<UInt8> {
        bytes[offsets[index]..<offsets[index] + lengths[index]]
    }
}
