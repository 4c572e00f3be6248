/// Where a code is in its life, named as on the CRPT platform the national system
/// derives from. The raw values are stored in records and must never change.
public enum CodeStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible, Codable {
    /// Issued to the producer, not yet printed.
    case emitted = 1
    /// Printed on a unit ("utilisation").
    case applied = 2
    /// In circulation: produced or imported and introduced.
    case introduced = 3
    /// Sold at retail or withdrawn from circulation.
    case retired = 4
    /// Damaged, lost, destroyed or expired.
    case writtenOff = 5

    public var name: String {
        switch self {
        case .emitted: "EMITTED"
        case .applied: "APPLIED"
        case .introduced: "INTRODUCED"
        case .retired: "RETIRED"
        case .writtenOff: "WRITTEN_OFF"
        }
    }

    public var description: String { name }
}
