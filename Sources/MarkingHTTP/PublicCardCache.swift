import Foundation
import MarkingCore
import Synchronization

/// The product cards as the public check shows them (JSON, no owner), by GTIN, kept
/// in memory: a check reads a record and verifies a tail in a few microseconds, and
/// decoding the stored card and encoding it again would cost more than both.
///
/// Only ``ProductRegister/put(_:)`` changes a card, and this process owns the store,
/// so the cache is told of every change. A miss read from the store is kept only if
/// no change happened since the read began (the generation), so a slow reader cannot
/// put back a card that was just replaced.
final class PublicCardCache: Sendable {
    /// The most GTINs kept; past it the cache starts over.
    static let capacity = 100_000

    private struct State {
        /// The card's JSON, or `nil` when the GTIN has no card.
        var cards: [UInt64: [UInt8]?] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The cached card: `.some(nil)` when the GTIN is known to have none, `nil` when
    /// the cache does not know.
    func cached(_ gtin: GTIN) -> [UInt8]?? {
        state.withLock { $0.cards[gtin.value] }
    }

    /// Read before reading a card from the store; pass it to ``keep(_:for:readAt:)``.
    var generation: UInt64 {
        state.withLock { $0.generation }
    }

    /// Keeps a card read from the store, unless a card changed since `generation`.
    func keep(_ card: [UInt8]?, for gtin: GTIN, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.cards.count >= Self.capacity { state.cards.removeAll(keepingCapacity: true) }
            state.cards[gtin.value] = .some(card)
        }
    }

    /// A card was stored: it replaces what was cached.
    func changed(_ gtin: GTIN, to card: [UInt8]) {
        state.withLock { state in
            state.generation += 1
            if state.cards.count >= Self.capacity { state.cards.removeAll(keepingCapacity: true) }
            state.cards[gtin.value] = .some(card)
        }
    }

    /// The public JSON of `product`: ``ProductRoutes/ProductAnswer`` without its owner,
    /// encoded as every other answer is.
    static func encode(_ product: Product) throws(MarkingError) -> [UInt8] {
        do {
            return Array(try JSONEncoder.api.encode(ProductRoutes.ProductAnswer(product, showOwner: false)))
        } catch {
            throw MarkingError(.store, "cannot encode product \(product.gtin): \(error)")
        }
    }
}
