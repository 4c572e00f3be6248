import Foundation
import Hummingbird
import MarkingCore
import OwnershipBatch

/// `PUT /products/{gtin}` (a producer or importer: registers or updates the GTIN's
/// card; who may is ``ProductRegister``'s rule: the first to register a GTIN keeps it
/// until the admin assigns GTINs) and `GET /products/{gtin}` (anyone:
/// the card is what the public check shows anyway).
struct ProductRoutes {
    let service: MarkingService

    /// The body of `PUT /products/{gtin}`.
    typealias ProductInput = ProductCardInput

    /// A card as answered: the stored card, its time as an API timestamp, and its
    /// owner only to those who may see it.
    struct ProductAnswer: Encodable {
        var gtin: String
        var owner: UInt32?
        var card: ProductCardInput
        var updatedAt: String

        /// `showOwner` is false for the public.
        init(_ product: Product, showOwner: Bool) {
            gtin = product.gtin
            owner = showOwner ? product.owner : nil
            card = product.card
            updatedAt = JSONAnswer.timestamp(product.updatedAt)
        }

        private enum CodingKeys: String, CodingKey { case gtin, owner, updatedAt }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(gtin, forKey: .gtin)
            try container.encodeIfPresent(owner, forKey: .owner)
            // Flat, as the stored card (``Product``).
            try card.encode(to: encoder)
            try container.encode(updatedAt, forKey: .updatedAt)
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("products/{gtin}") { request, context in try await put(request, context) }
        group.get("products/{gtin}") { request, context in
            let gtin = try Self.gtin(context)
            let caller = try await service.optionalCaller(of: request)
            let products = service.products
            guard let product = try await service.blocking({ try products.product(gtin) }) else { throw Problem(.products.unknown) }
            let showOwner = caller == .admin || (caller?.participantID).map { $0 == product.owner } == true
            return try JSONAnswer.response(ProductAnswer(product, showOwner: showOwner))
        }
    }

    /// The GTIN of the path, check digit verified.
    static func gtin(_ context: APIRequestContext) throws(Problem) -> GTIN {
        let text = context.parameters.get("gtin") ?? ""
        do { return try GTIN(text) } catch { throw Problem(error, pointer: "gtin") }
    }

    /// Checks the card's fields, each with its own code and pointer.
    static func validate(_ input: ProductInput, catalog: TemplateCatalog) throws(Problem) -> ProductInput {
        var input = input
        input.tradeName = input.tradeName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !input.tradeName.isEmpty, input.tradeName.count <= 300 else {
            throw Problem(.products.tradeName, detail: "a trade name has 1 to 300 characters", pointer: "/tradeName")
        }
        let texts: [(String, String?)] = [
            ("producer", input.producer), ("importer", input.importer), ("customsDeclaration", input.customsDeclaration),
            ("productionPlace", input.productionPlace), ("certificate", input.certificate),
        ]
        for (name, value) in texts {
            if let value, value.trimmingCharacters(in: .whitespaces).isEmpty || value.count > 300 {
                throw Problem(.products.text, detail: "\(name) has 1 to 300 characters", pointer: "/\(name)")
            }
        }
        if let country = input.country {
            guard country.count == 2, country.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
                throw Problem(.products.country, detail: "country '\(country)' is not an ISO 3166-1 alpha-2 code such as KZ", pointer: "/country")
            }
        }
        if let template = input.template {
            do { _ = try catalog.named(template) } catch { throw Problem(error, pointer: "/template") }
        }
        for (name, value) in [("customsDeclarationDate", input.customsDeclarationDate), ("productionDate", input.productionDate)] {
            if let value, !CalendarDate.isValid(value) {
                throw Problem(.products.date, detail: "\(name) '\(value)' is not a date YYYY-MM-DD", pointer: "/\(name)")
            }
        }
        if let price = input.price, !isPrice(price) {
            throw Problem(.products.price, detail: "price '\(price)' is not an amount such as 1250 or 1250.50", pointer: "/price")
        }
        return input
    }

    /// Up to 12 whole digits and at most 2 fraction digits.
    static func isPrice(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), (1...12).contains(parts[0].count) else { return false }
        if parts.count == 2, !(1...2).contains(parts[1].count) { return false }
        return parts.allSatisfy { $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
    }

    private func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try await service.caller(of: request)
        guard case .participant(let participant) = caller,
              participant.roles.contains(.producer) || participant.roles.contains(.importer)
        else { throw Problem(.auth.role) }
        let gtin = try Self.gtin(context)
        let (stored, isNew) = try await service.registerProduct(try await ProductInput.decode(from: request), gtin: gtin, by: participant)
        return try JSONAnswer.response(
            ProductAnswer(stored, showOwner: true), status: isNew ? .created : .ok, headers: [.location: "/api/v1/products/\(gtin)"])
    }
}
