/// How a changeset's bytes are cut into log messages, and put back together.
///
/// | bytes | meaning |
/// |---|---|
/// | `L` | a frame |
/// | part (varint) | 0 for the first message of a changeset |
/// | parts (varint) | how many messages the changeset has |
/// | the rest | the next slice of ``Changeset/encoded()`` |
///
/// A changeset is complete when its parts `0..<parts` follow each other in the log.
/// A part 0 that arrives while parts of another changeset are pending abandons them:
/// their writer stopped midway, and the next writer appended after what it saw. Every
/// replica applies that rule to the same log, so all skip the same abandoned parts.
public enum LogFrame {
    static let tag = UInt8(ascii: "L")

    /// The messages of one changeset, each at most `maximumBytes`.
    public static func split(_ changeset: [UInt8], maximumBytes: Int) -> [[UInt8]] {
        let room = max(1, maximumBytes - 32)
        let parts = max(1, (changeset.count + room - 1) / room)
        return (0..<parts).map { part in
            var frame: [UInt8] = [tag]
            Varint.append(UInt64(part), to: &frame)
            Varint.append(UInt64(parts), to: &frame)
            frame += changeset[(part * room)..<min(changeset.count, (part + 1) * room)]
            return frame
        }
    }

    /// Parts of a changeset read so far, waiting for the rest.
    public struct Assembly: Sendable {
        private var parts: [[UInt8]] = []
        private var expected = 0

        public init() {}

        /// Whether parts of an unfinished changeset are held.
        public var isPending: Bool { !parts.isEmpty }

        /// Takes the next message of the log; returns the changeset's bytes when this
        /// message completes one. Throws `changeset.malformed` for a message that is
        /// not a frame.
        public mutating func add(_ message: [UInt8]) throws(MarkingError) -> [UInt8]? {
            var reader = ByteReader(message)
            guard try reader.byte() == LogFrame.tag else { throw reader.failure("a log message that is not a frame") }
            let part = Int(try reader.varint())
            let count = Int(try reader.varint())
            guard count >= 1, part < count else { throw reader.failure("part \(part) of \(count)") }
            let payload = try reader.bytes(reader.remaining)
            if part == 0 {
                parts = []
                expected = count
            } else if part != parts.count || count != expected {
                // Not the continuation of what is pending: drop both.
                parts = []
                return nil
            }
            parts.append(payload)
            guard parts.count == expected else { return nil }
            defer { parts = [] }
            return parts.flatMap { $0 }
        }
    }
}
