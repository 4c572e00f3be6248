/// An order of codes: the body of `POST /orders` and the web application's order
/// form, checked by one rule set (``MarkingService/placeOrder(_:by:)``).
public struct OrderInput: JSONInput {
    public var gtin: String
    public var quantity: Int
    /// A template name (``MarkingCore/TemplateCatalog``); the default one when absent.
    public var template: String?
    /// Self-made serials; `quantity` must then equal their count.
    public var serialNumbers: [String]?
    /// The producer's own order number: a retry with the same number and body gets
    /// the same order back, never a second one.
    public var number: String?
    public static let fields: Set<String> = ["gtin", "quantity", "template", "serialNumbers", "number"]
    /// Room for ``OrderRoutes/maximumSelfMade`` serials of up to 20 characters,
    /// each JSON-escaped.
    public static var maximumBodySize: Int { 4 * 1024 * 1024 }

    public init(gtin: String, quantity: Int, template: String? = nil, serialNumbers: [String]? = nil, number: String? = nil) {
        self.gtin = gtin
        self.number = number
        self.quantity = quantity
        self.template = template
        self.serialNumbers = serialNumbers
    }
}
