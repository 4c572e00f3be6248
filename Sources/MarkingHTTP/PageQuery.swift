import Hummingbird

/// The `after` and `limit` query parameters of a list read oldest first by id
/// (`GET /violations`, `GET /shipments`): the items with an id above `after`, at most
/// `limit` of them; a client passes the last id it got to read the next page.
struct PageQuery {
    var after: UInt64 = 0
    var limit: Int

    /// Reads `query`; `request.parameter` naming the wrong parameter. `item` names what
    /// the ids are ids of, for the error.
    init(_ query: String?, maximum: Int, of item: String) throws(Problem) {
        func value(_ name: String) -> String? {
            PercentDecoding.queryValue(name, in: query).map { String(decoding: $0, as: UTF8.self) }
        }
        limit = maximum
        if let text = value("after") {
            guard let number = UInt64(text) else {
                throw Problem(.request.parameter, detail: "'after' must be \(item) id", pointer: "after")
            }
            after = number
        }
        if let text = value("limit") {
            guard let number = Int(text), (1...maximum).contains(number) else {
                throw Problem(.request.parameter, detail: "'limit' must be 1 to \(maximum)", pointer: "limit")
            }
            limit = number
        }
    }
}
