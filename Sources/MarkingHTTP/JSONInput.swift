import Foundation
import Hummingbird
import NIOCore

/// A JSON request body with a closed set of fields: anything else is refused with
/// `request.unknown_field` rather than silently ignored.
public protocol JSONInput: Decodable, Sendable {
    /// The field names the body may have.
    static var fields: Set<String> { get }
    /// The largest body accepted, in bytes; 64 KiB unless an input says otherwise.
    static var maximumBodySize: Int { get }
}

extension JSONInput {
    /// The largest JSON body accepted by default, in bytes.
    public static var maximumBodySize: Int { 64 * 1024 }

    /// Reads and decodes a request's body, mapping every way it can be wrong to a
    /// ``Problem`` with a JSON pointer: too large (413), not JSON, unknown fields,
    /// missing fields, wrong types (400).
    public static func decode(from request: Request) async throws -> Self {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw Problem(.request.tooLarge, detail: "a JSON body may have at most \(maximumBodySize) bytes")
        }
        return try decode(Data(buffer.readableBytesView))
    }

    /// Decodes `data` as this input, see ``decode(from:)``.
    public static func decode(_ data: Data) throws(Problem) -> Self {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw Problem(.request.malformedJSON, detail: "the body is not well-formed JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw Problem(.request.wrongType, detail: "the body must be a JSON object", pointer: "")
        }
        let unknown = Set(fields.keys).subtracting(Self.fields).sorted()
        if !unknown.isEmpty {
            throw Problem(
                .request.unknownField, detail: "unknown field(s): \(unknown.joined(separator: ", "))",
                errors: unknown.map { .init(pointer: JSONPointer.pointer([$0]), code: .request.unknownField) })
        }
        do {
            return try JSONDecoder().decode(Self.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            let pointer = JSONPointer.pointer(context.codingPath.map(JSONPointer.component) + [key.stringValue])
            throw Problem(.request.missingField, detail: "the field \(pointer) is missing", pointer: pointer)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            var path = context.codingPath.map(JSONPointer.component)
            if path.isEmpty, let key = fields.keys.sorted().first(where: { Self.isNonIntegral(fields[$0]) }) {
                // Foundation reports a number that does not fit an integer without its key.
                path = [key]
            }
            let pointer = JSONPointer.pointer(path)
            throw Problem(.request.wrongType, detail: "the field \(pointer) has the wrong type", pointer: pointer)
        } catch {
            throw Problem(.request.malformedJSON, detail: "the body cannot be read")
        }
    }
}

extension JSONInput {
    /// A JSON number with a fraction or beyond 64 bits, which no integer field takes.
    static func isNonIntegral(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber, !(value is Bool) else { return false }
        let double = number.doubleValue
        return double.rounded() != double || abs(double) >= 9.2e18
    }
}

/// JSON pointers (RFC 6901) to fields of a request body.
enum JSONPointer {
    /// A coding key as a pointer component: array indices as numbers.
    static func component(_ key: any CodingKey) -> String { key.intValue.map(String.init) ?? key.stringValue }

    /// The pointer of the path `components`, with `~` and `/` escaped.
    static func pointer(_ components: [String]) -> String {
        components.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }
}
