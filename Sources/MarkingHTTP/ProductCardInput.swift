/// The fields of a product card a producer or importer gives (decree C5): the body of
/// `PUT /products/{gtin}`, the web application's product form, and what a stored
/// ``Product`` holds. Checked by one rule set (``MarkingService/registerProduct(_:gtin:by:)``)
/// whichever door it came through.
///
/// The one list of a card's fields: the JSON names (``fields``), the stored card and
/// the answers are all made from these properties.
public struct ProductCardInput: JSONInput, Codable, Equatable {
    public var tradeName: String
    public var producer: String?
    public var importer: String?
    /// ISO 3166-1 alpha-2 country of production.
    public var country: String?
    /// The code template the GTIN's codes use.
    public var template: String?
    public var customsDeclaration: String?
    /// `YYYY-MM-DD`.
    public var customsDeclarationDate: String?
    public var productionPlace: String?
    /// `YYYY-MM-DD`.
    public var productionDate: String?
    /// Certificate or declaration of conformity.
    public var certificate: String?
    /// Retail price in tenge, a decimal string with at most two fraction digits.
    public var price: String?

    /// Every field name, as in JSON: the names of the properties above (their coding
    /// keys are synthesized from them), read once from a card, so that a field added
    /// above is accepted without a second list to keep in step.
    public static let fields: Set<String> = Set(Mirror(reflecting: ProductCardInput(tradeName: "")).children.compactMap(\.label))

    public init(
        tradeName: String, producer: String? = nil, importer: String? = nil, country: String? = nil, template: String? = nil,
        customsDeclaration: String? = nil, customsDeclarationDate: String? = nil, productionPlace: String? = nil,
        productionDate: String? = nil, certificate: String? = nil, price: String? = nil
    ) {
        self.tradeName = tradeName
        self.producer = producer
        self.importer = importer
        self.country = country
        self.template = template
        self.customsDeclaration = customsDeclaration
        self.customsDeclarationDate = customsDeclarationDate
        self.productionPlace = productionPlace
        self.productionDate = productionDate
        self.certificate = certificate
        self.price = price
    }
}
