import CNATS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One message of a stream with the sequence the stream gave it.
///
/// The sequence is the log position a replica records in the same batch as the
/// changes the message carries; it is what makes applying the log resumable.
public struct StreamMessage: Sendable, Hashable {
    /// The stream sequence (1-based, gap-free unless messages were deleted).
    public var sequence: UInt64
    public var subject: String
    public var bytes: [UInt8]
    /// The headers it was published with (a key may repeat).
    public var headers: [String: [String]]
    /// When the stream stored it, in nanoseconds since 1970 (UTC).
    public var timestampNanoseconds: Int64

    public init(
        sequence: UInt64, subject: String, bytes: [UInt8], headers: [String: [String]] = [:],
        timestampNanoseconds: Int64 = 0
    ) {
        self.sequence = sequence
        self.subject = subject
        self.bytes = bytes
        self.headers = headers
        self.timestampNanoseconds = timestampNanoseconds
    }

    /// Copies a `natsMsg` (which the caller still owns and destroys).
    init(copying message: OpaquePointer, sequence: UInt64, timestampNanoseconds: Int64) {
        let length = Int(natsMsg_GetDataLength(message))
        let bytes: [UInt8]
        if length > 0, let data = natsMsg_GetData(message) {
            bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: length))
        } else {
            bytes = []
        }
        self.init(
            sequence: sequence, subject: string(natsMsg_GetSubject(message)) ?? "", bytes: bytes,
            headers: Self.headers(of: message), timestampNanoseconds: timestampNanoseconds)
    }

    private static func headers(of message: OpaquePointer) -> [String: [String]] {
        var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        var count: Int32 = 0
        guard natsMsgHeader_Keys(message, &keys, &count) == NATS_OK, let keys else { return [:] }
        defer { free(keys) }
        var headers: [String: [String]] = [:]
        for index in 0..<Int(count) {
            guard let key = keys[index] else { continue }
            var values: UnsafeMutablePointer<UnsafePointer<CChar>?>?
            var valueCount: Int32 = 0
            guard natsMsgHeader_Values(message, key, &values, &valueCount) == NATS_OK, let values else { continue }
            defer { free(values) }
            headers[String(cString: key)] = (0..<Int(valueCount)).map { string(values[$0]) ?? "" }
        }
        return headers
    }
}
