import Foundation
import MarkingCore
import Synchronization

/// A product card: what a public code check shows about a GTIN (decree C5, C18).
///
/// Its fields are ``ProductCardInput``'s, read as the product's own (`product.tradeName`)
/// and stored flat beside the GTIN, owner and time, as one JSON object: the card a
/// participant gave is kept as given, field for field.
@dynamicMemberLookup
public struct Product: Sendable, Codable, Equatable {
    /// The GTIN, 14 digits.
    public var gtin: String
    /// The participant that registered the GTIN; only it may change the card.
    public var owner: UInt32
    /// The card's fields (decree C5).
    public var card: ProductCardInput
    /// Milliseconds since 1970 UTC.
    public var updatedAt: UInt64

    public init(gtin: String, owner: UInt32, card: ProductCardInput, updatedAt: UInt64) {
        self.gtin = gtin
        self.owner = owner
        self.card = card
        self.updatedAt = updatedAt
    }

    public subscript<Value>(dynamicMember field: WritableKeyPath<ProductCardInput, Value>) -> Value {
        get { card[keyPath: field] }
        set { card[keyPath: field] = newValue }
    }

    private enum CodingKeys: String, CodingKey { case gtin, owner, updatedAt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gtin = try container.decode(String.self, forKey: .gtin)
        owner = try container.decode(UInt32.self, forKey: .owner)
        card = try ProductCardInput(from: decoder)
        updatedAt = try container.decode(UInt64.self, forKey: .updatedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(gtin, forKey: .gtin)
        try container.encode(owner, forKey: .owner)
        // The card's fields go in the same object, not nested under a key of their own.
        try card.encode(to: encoder)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// Why a product card cannot be stored.
public enum ProductRefusal: Error, Sendable, Equatable {
    /// The GTIN is registered by another participant.
    case foreign(owner: UInt32)
    /// The admin assigned the GTIN (or its company prefix) to another participant.
    case assignedElsewhere(assignment: String)
    /// The admin assigns GTINs, and has assigned this one to nobody.
    case unassigned
}

/// The product cards, as JSON in the store's `products` family under the 14 GTIN
/// digits. One per service: the check that a GTIN is not someone else's and the
/// write happen under the store's commit order, so two participants cannot both claim a GTIN.
///
/// Who may register a GTIN: on a fresh store, the first participant to register it
/// keeps it. Against squatting the admin assigns GTINs and GS1 company prefixes to
/// participants (`PUT /gtin-assignments/{digits}`); once any assignment exists, a card
/// needs one: a GTIN assigned (itself or by its longest prefix) to the caller may be
/// registered, and taken over from whoever registered it first; one assigned to
/// someone else, or to nobody, is refused. Stores that never assign keep working as
/// before; a registry that starts assigning does so for everyone at once.
public final class ProductRegister: Sendable {
    let store: MarkingStore
    /// The cards as the public check shows them.
    let publicCards = PublicCardCache()

    public init(store: MarkingStore) { self.store = store }

    /// The card of `gtin`, `nil` when none is registered.
    public func product(_ gtin: GTIN) throws(MarkingError) -> Product? {
        guard let bytes = try store.product(gtin) else { return nil }
        do {
            return try JSONDecoder().decode(Product.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "cannot read product \(gtin): \(error)")
        }
    }

    /// The cards `owner` registered, in GTIN order.
    public func products(of owner: UInt32) throws(MarkingError) -> [Product] {
        var found: [Product] = []
        try store.forEachProduct { bytes in
            let product = try JSONDecoder().decode(Product.self, from: Data(bytes))
            if product.owner == owner { found.append(product) }
        }
        return found
    }

    /// The public JSON of `gtin`'s card (no owner), `nil` when none is registered;
    /// from memory when cached, otherwise read from the store (blocking) and kept.
    func publicCard(_ gtin: GTIN) throws(MarkingError) -> [UInt8]? {
        if let cached = publicCards.cached(gtin) { return cached }
        let generation = publicCards.generation
        let card = try product(gtin).map { product throws(MarkingError) in try PublicCardCache.encode(product) }
        publicCards.keep(card, for: gtin, readAt: generation)
        return card
    }

    /// Assigns a GTIN (14 digits) or a GS1 company prefix (6 to 12 digits) to
    /// `participant`, durably, replacing an earlier assignment of the same digits.
    /// Returns whether the digits were assigned to nobody before.
    public func assign(_ digits: String, to participant: UInt32) throws(MarkingError) -> Bool {
        let assigned = try store.committer.commit { changeset throws(MarkingError) -> Bool in
            let before = try store.gtinAssignments().contains { $0.assignment == digits }
            changeset.putGTINAssignment(digits, to: participant)
            return !before
        }.value
        return assigned
    }

    /// The participant the admin assigned `gtin` to, itself or by its company prefix.
    public func assignee(_ gtin: GTIN) throws(MarkingError) -> UInt32? {
        try store.gtinAssignee(gtin)?.participant
    }

    /// Stores `product` (its owner set to the caller), durably; refuses a GTIN
    /// another participant registered. Returns the card and whether it is new.
    public func put(_ product: Product) throws(MarkingError) -> Result<(Product, isNew: Bool), ProductRefusal> {
        let gtin = try GTIN(product.gtin)
        let outcome = try store.committer.commit { changeset throws(MarkingError) -> Result<(Product, isNew: Bool), ProductRefusal> in
            let existing = try self.product(gtin)
            if let (assignee, assignment) = try store.gtinAssignee(gtin) {
                guard assignee == product.owner else { return .failure(.assignedElsewhere(assignment: assignment)) }
            } else if try store.hasGTINAssignments() {
                return .failure(.unassigned)
            } else if let existing, existing.owner != product.owner {
                return .failure(.foreign(owner: existing.owner))
            }
            do {
                changeset.putProduct(gtin, Array(try JSONEncoder().encode(product)))
            } catch {
                throw MarkingError(.store, "cannot store product \(gtin): \(error)")
            }
            return .success((product, existing == nil))
        }.value
        if case .success = outcome { publicCards.changed(gtin, to: try PublicCardCache.encode(product)) }
        return outcome
    }
}
