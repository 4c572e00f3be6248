/// The fields of a product card a producer or importer gives (decree C5): the body of
/// `PUT /products/{gtin}` and the web application's product form. Checked by one rule
/// set (``MarkingService/registerProduct(_:gtin:by:)``) whichever door it came through.
public struct ProductCardInput: JSONInput {
    public var tradeName: String
    public var producer: String?
    public var importer: String?
    public var country: String?
    public var template: String?
    public var customsDeclaration: String?
    public var customsDeclarationDate: String?
    public var productionPlace: String?
    public var productionDate: String?
    public var certificate: String?
    public var price: String?

    public static let fields: Set<String> = [
        "tradeName", "producer", "importer", "country", "template", "customsDeclaration", "customsDeclarationDate",
        "productionPlace", "productionDate", "certificate", "price",
    ]

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
