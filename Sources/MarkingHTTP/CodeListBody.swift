import Foundation
import Hummingbird
import NIOCore
import OwnershipBatch

/// A document's code list read from a streamed request body, one code per line:
/// `text/plain` (the line is the code, in any scanner shape) or `application/x-ndjson`
/// (each line a JSON object `{"code": "..."}` or a JSON string).
///
/// The body is read chunk by chunk into one growing byte buffer, the shape
/// ``CodeList`` keeps anyway, and never decoded as one JSON value: a ten-million-line
/// list costs its bytes and two offset arrays, not ten million objects. Limits are
/// checked as the bytes arrive, so an oversized upload is cut off early.
public enum CodeListBody {
    /// The largest code-list body, in bytes (1 GiB).
    public static let maximumBytes = 1 << 30
    /// The most lines a body may have: the engine's own limit per document.
    public static var maximumLines: Int { JobEngine.maximumCodes }
    /// The longest a body may take to arrive. A list is held in memory, and holds an
    /// upload slot, from its first byte: without a bound a client could keep a slot for
    /// ever by sending a byte just often enough to pass the idle timeout. 1 GiB in ten
    /// minutes is 1.8 MB/s, far below any link this service is used over.
    public static let maximumDuration = Duration.seconds(600)

    /// The body's shape, from its `Content-Type`.
    public enum Format: Sendable {
        case text, ndjson
    }

    /// Reads `request`'s body as a code list in `format`. `request.too_large` past
    /// ``maximumBytes``, `document.too_many_codes` past ``maximumLines``,
    /// `request.timeout` for a chunk arriving after ``maximumDuration``,
    /// `request.ndjson_line` for an NDJSON line that is not a code.
    public static func read(
        _ request: Request, format: Format, maximumBytes: Int = maximumBytes, maximumLines: Int = maximumLines,
        maximumDuration: Duration = maximumDuration
    ) async throws -> CodeList {
        var collected: [UInt8] = []
        var pending: [UInt8] = []
        var received = 0
        var lines = 0
        let started = ContinuousClock.now
        for try await chunk in request.body {
            guard ContinuousClock.now - started < maximumDuration else {
                throw Problem(.request.timeout, detail: "a code list must arrive within \(maximumDuration.components.seconds) s")
            }
            received += chunk.readableBytes
            guard received <= maximumBytes else {
                throw Problem(.request.tooLarge, detail: "a code list may have at most \(maximumBytes) bytes")
            }
            let newlines = chunk.withUnsafeReadableBytes { bytes in
                var count = 0
                for byte in bytes where byte == UInt8(ascii: "\n") { count += 1 }
                return count
            }
            lines += newlines
            guard lines <= maximumLines else { throw tooMany(maximumLines) }
            switch format {
            case .text:
                collected.append(contentsOf: chunk.readableBytesView)
            case .ndjson:
                pending.append(contentsOf: chunk.readableBytesView)
                if newlines > 0, let last = pending.lastIndex(of: UInt8(ascii: "\n")) {
                    try convert(pending[...last], into: &collected, firstLine: lines - newlines + 1)
                    pending.removeSubrange(...last)
                }
            }
        }
        if format == .ndjson, !pending.isEmpty {
            try convert(pending[...], into: &collected, firstLine: lines + 1)
        }
        return CodeList(text: collected)
    }

    static func tooMany(_ maximumLines: Int) -> Problem {
        Problem(
            .documents.tooManyCodes, detail: "a document lists at most \(maximumLines) codes",
            pointer: "codes")
    }

    /// Appends the code of each NDJSON line of `text` (whole lines) to `output`, one per line.
    private static func convert(_ text: ArraySlice<UInt8>, into output: inout [UInt8], firstLine: Int) throws(Problem) {
        var number = firstLine
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            defer { number += 1 }
            var line = line
            while let last = line.last, last == UInt8(ascii: "\r") || last == 0x20 || last == 0x09 { line = line.dropLast() }
            while let first = line.first, first == 0x20 || first == 0x09 { line = line.dropFirst() }
            if line.isEmpty { continue }
            let value = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
            var code: String?
            if let text = value as? String {
                code = text
            } else if let object = value as? [String: Any], object.count == 1 {
                code = object["code"] as? String
            }
            guard let code, !code.isEmpty, !code.utf8.contains(UInt8(ascii: "\n")), !code.utf8.contains(UInt8(ascii: "\r")) else {
                throw Problem(.request.ndjsonLine, detail: "line \(number) is not {\"code\": \"...\"} or a JSON string", pointer: "line \(number)")
            }
            output.append(contentsOf: code.utf8)
            output.append(UInt8(ascii: "\n"))
        }
    }
}
