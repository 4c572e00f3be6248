import MarkingCore

/// How a list of codes is written out (files of the `emit` command, downloads).
///
/// Every format carries the exact code, group separators included, and reads back
/// through ``CodeParser``: serials contain `"`, `,` and `'`, so CSV quotes every field
/// and NDJSON escapes per JSON.
public enum CodeListFormat: String, Sendable, CaseIterable {
    /// One code per line, group separators as the byte 0x1D, as printing systems take them.
    case text
    /// A `code` header, then one quoted code per line (RFC 4180).
    case csv
    /// One JSON object `{"code": "…"}` per line.
    case ndjson

    /// Bytes written before the first code.
    public var header: [UInt8] { self == .csv ? Array("code\n".utf8) : [] }

    /// Appends one code (its raw element-string bytes) as a line in this format.
    @inline(__always)
    public func append(code: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        switch self {
        case .text:
            output.append(contentsOf: code)
        case .csv:
            output.append(UInt8(ascii: "\""))
            for byte in code {
                if byte == UInt8(ascii: "\"") { output.append(byte) }
                output.append(byte)
            }
            output.append(UInt8(ascii: "\""))
        case .ndjson:
            output.append(contentsOf: #"{"code":""#.utf8)
            for byte in code {
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
                case 0x1D: output.append(contentsOf: #"\u001d"#.utf8)
                default: output.append(byte)
                }
            }
            output.append(contentsOf: #""}"#.utf8)
        }
        output.append(UInt8(ascii: "\n"))
    }
}

/// Receives the codes of an emission or a download, a block of formatted lines at a time.
///
/// Blocks come from several shard queues at once and in no particular order; an
/// implementation serialises them as it needs (a file lock, an async channel).
public protocol CodeSink: Sendable {
    func consume(_ block: [UInt8]) throws
}
