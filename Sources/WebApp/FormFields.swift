import Foundation
import Hummingbird
import NIOCore
import MarkingHTTP

/// The fields of an `application/x-www-form-urlencoded` body or a query string.
/// A repeated name keeps its first value; names are case-sensitive.
struct FormFields: Sendable {
    private(set) var values: [String: String] = [:]

    /// The largest form body read (a document's pasted codes go up to this).
    static let maximumBodySize = 2 * 1024 * 1024

    init(_ encoded: String?) {
        for pair in (encoded ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            guard values[name] == nil else { continue }
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    /// Reads a form body: `web.form_type` for another media type (a forged post often
    /// is one), `request.too_large` past ``maximumBodySize``.
    static func read(_ request: Request) async throws -> FormFields {
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/x-www-form-urlencoded" else { throw WebFailure.formType }
        do {
            let buffer = try await request.body.collect(upTo: maximumBodySize)
            return FormFields(String(buffer: buffer))
        } catch is NIOTooManyBytesError {
            throw WebFailure.tooLarge
        }
    }

    private static func decode(_ text: Substring) -> String {
        String(decoding: PercentDecoding.bytes(text.replacingOccurrences(of: "+", with: " ")), as: UTF8.self)
    }

    subscript(_ name: String) -> String? { values[name] }

    /// The trimmed value, `nil` when absent or blank: optional fields of a card.
    func optional(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
