/// Whose codes an analytics count is about: the whole registry (the authorities'
/// view, C11) or the codes one participant owns (an owner's view, C12).
public enum AnalyticsScope: Sendable, Hashable {
    case national
    case participant(UInt32)

    /// The scope's number in counter keys: 0 for the nation (no participant has id 0,
    /// ids start at 1), the participant's id otherwise.
    var number: UInt32 {
        switch self {
        case .national: 0
        case .participant(let id): id
        }
    }
}

/// What happened to codes on a day. The first five share their raw values with
/// ``CodeStatus``: a code entering a status is the event of that status. Raw values
/// are stored in counter keys and must never change.
public enum AnalyticsEvent: UInt8, Sendable, CaseIterable, Codable {
    /// Codes issued by an order (counted on the day of their emission time).
    case emitted = 1
    /// Codes printed on units (utilisation).
    case applied = 2
    /// Codes put into circulation.
    case introduced = 3
    /// Codes sold at retail or withdrawn.
    case retired = 4
    /// Codes written off.
    case writtenOff = 5
    /// Codes whose ownership left the participant (a transfer, or an accepted shipment).
    case shipped = 6
    /// Codes whose ownership came to the participant.
    case received = 7

    /// The event's name in the API and CSV exports.
    public var name: String {
        switch self {
        case .emitted: "EMITTED"
        case .applied: "APPLIED"
        case .introduced: "INTRODUCED"
        case .retired: "RETIRED"
        case .writtenOff: "WRITTEN_OFF"
        case .shipped: "SHIPPED"
        case .received: "RECEIVED"
        }
    }

    /// The event of a code entering `status`.
    init(entering status: CodeStatus) { self = AnalyticsEvent(rawValue: status.rawValue)! }
}

/// Counts of codes per status (statuses with no code are absent).
public struct StatusCounts: Sendable, Equatable {
    public private(set) var counts: [CodeStatus: Int64] = [:]

    public init(_ counts: [CodeStatus: Int64] = [:]) { self.counts = counts.filter { $0.value != 0 } }

    public subscript(_ status: CodeStatus) -> Int64 {
        get { counts[status] ?? 0 }
        set { counts[status] = newValue == 0 ? nil : newValue }
    }

    /// Every code counted, whatever its status.
    public var total: Int64 { counts.values.reduce(0, +) }
}

/// The events of one day, UTC.
public struct DayCounts: Sendable, Equatable {
    /// Days since 1970-01-01 UTC.
    public var day: UInt32
    public var events: [AnalyticsEvent: Int64]

    public init(day: UInt32, events: [AnalyticsEvent: Int64]) {
        self.day = day
        self.events = events
    }

    public subscript(_ event: AnalyticsEvent) -> Int64 { events[event] ?? 0 }

    /// The day number (days since 1970-01-01 UTC) of a time in milliseconds since 1970 UTC.
    public static func day(milliseconds: UInt64) -> UInt32 { UInt32(milliseconds / 86_400_000) }
}
