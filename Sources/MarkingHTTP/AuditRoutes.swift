import Foundation
import Hummingbird

/// `GET /audit?from&to&participant&cursor&limit` (admin): the audit trail, oldest
/// first, at most ``AuditTrail/pageLimit`` entries a call with a `next` cursor.
struct AuditRoutes {
    let service: MarkingService

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("audit") { request, _ in
            try await service.caller(of: request).requireAdmin()
            let query = try Self.query(request.uri.query)
            let trail = service.audit
            let page = try await service.blocking { try trail.page(query) }
            return try JSONAnswer.response(page)
        }
    }

    /// The query parameters; `request.parameter` naming the wrong one.
    static func query(_ text: String?) throws(Problem) -> AuditTrail.Query {
        func value(_ name: String) -> String? {
            PercentDecoding.queryValue(name, in: text).map { String(decoding: $0, as: UTF8.self) }
        }
        func wrong(_ name: String, _ detail: String) -> Problem {
            Problem(.request.parameter, detail: detail, pointer: name)
        }
        var query = AuditTrail.Query()
        if let from = value("from") {
            guard let ms = time(from) else { throw wrong("from", "'from' must be ISO 8601 or milliseconds since 1970") }
            query.from = ms
        }
        if let to = value("to") {
            guard let ms = time(to) else { throw wrong("to", "'to' must be ISO 8601 or milliseconds since 1970") }
            query.to = ms
        }
        if let participant = value("participant") {
            switch participant {
            case "admin", "public": query.actor = participant
            default:
                guard let id = UInt32(participant) else { throw wrong("participant", "'participant' must be an id, 'admin' or 'public'") }
                query.actor = "participant"
                query.participant = id
            }
        }
        if let cursor = value("cursor") {
            guard let bytes = hex(cursor), bytes.count == 16 else { throw wrong("cursor", "'cursor' must be a 'next' value of an earlier answer") }
            query.cursor = bytes
        }
        if let limit = value("limit") {
            guard let count = Int(limit), (1...AuditTrail.pageLimit).contains(count) else {
                throw wrong("limit", "'limit' must be 1 to \(AuditTrail.pageLimit)")
            }
            query.limit = count
        }
        return query
    }

    /// Milliseconds since 1970 from digits or ISO 8601 (with or without fractions).
    static func time(_ text: String) -> UInt64? {
        if !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { return UInt64(text) }
        let date =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        guard let date, date.timeIntervalSince1970 >= 0 else { return nil }
        return UInt64(date.timeIntervalSince1970 * 1000)
    }

    static func hex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
