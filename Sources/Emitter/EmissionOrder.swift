import MarkingCore

/// The state of an emission order.
public enum OrderState: String, Sendable, Codable {
    /// The counter range is reserved and codes are being written.
    case inProgress = "IN_PROGRESS"
    /// Every code is stored and durable; the codes can be downloaded.
    case completed = "COMPLETED"
    /// The process stopped while writing. The reserved range is spent and never issued
    /// again; the order's codes were never handed out.
    case interrupted = "INTERRUPTED"
}

/// What a producer asks for: `quantity` new codes of `gtin` in `template`. The typed
/// command of an emission order; ``Emitter/reserve(_:)`` validates it and returns the
/// changeset that reserves its range.
public struct EmissionRequest: Sendable, Codable, Hashable {
    public var gtin: GTIN
    public var quantity: Int
    public var template: CodeTemplate
    public var producer: UInt32
    /// The producer's own number for the order, which makes placing it idempotent: a
    /// second request with the same number gets the first order back, never a second
    /// range (``Emitter/reserveOrFind(_:)``). At most ``maximumNumberLength`` bytes.
    public var number: String?
    /// What tells a retry of the order from another order under the same number: a
    /// digest of the request as the caller received it (the HTTP API hashes its body's
    /// fields).
    public var fingerprint: String?

    /// The longest order number, in bytes, as for documents.
    public static let maximumNumberLength = 128

    public init(
        gtin: GTIN, quantity: Int, template: CodeTemplate, producer: UInt32, number: String? = nil, fingerprint: String? = nil
    ) {
        self.gtin = gtin
        self.quantity = quantity
        self.template = template
        self.producer = producer
        self.number = number
        self.fingerprint = fingerprint
    }
}

extension MarkingError.Code {
    /// An order number the producer already used for a different order.
    public static let orderNumberReused: Self = "order.number_reused"
}

/// A stored emission order: the counter range it owns and how far it got.
///
/// Its codes are not listed anywhere: they are regenerated from the range, the
/// permutation and the key, so an order of 50 million codes is a few hundred bytes.
public struct EmissionOrder: Sendable, Codable, Hashable {
    public var id: UInt64
    public var gtin: UInt64
    public var templateID: UInt8
    public var serialLength: Int
    public var quantity: Int
    public var producer: UInt32
    /// The key id that signs this order's tails.
    public var keyID: String
    /// The reserved counters `[rangeStart, rangeEnd)`. Empty for self-made orders.
    public var rangeStart: UInt64
    public var rangeEnd: UInt64
    /// Counters inside the range that were already taken by self-made serials and
    /// therefore carry no code of this order.
    public var skipped: [UInt64]
    /// Whether the producer supplied the serials.
    public var selfMade: Bool
    public var state: OrderState
    /// Milliseconds since 1970 UTC.
    public var createdAt: UInt64
    public var completedAt: UInt64?
    /// The replica that writes the order's records, in a cluster (`nil` on a single
    /// node): only it marks the order `INTERRUPTED` after a crash.
    public var node: String? = nil
    /// The producer's number for the order, when it gave one (``EmissionRequest/number``).
    public var number: String? = nil
    /// The request's fingerprint, compared with a retry's (``EmissionRequest/fingerprint``).
    public var fingerprint: String? = nil

    public var gtinValue: GTIN { GTIN(uncheckedValue: gtin) }

    /// The records the order writes, as the range a changeset carries.
    public var range: EmissionRange {
        EmissionRange(
            gtin: gtin, serialLength: serialLength,
            record: CodeRecord(
                status: .emitted, templateID: templateID, keyID: keyID, owner: producer, producer: producer, order: id,
                emittedAt: createdAt),
            start: rangeStart, end: rangeEnd, skipped: skipped)
    }
}
