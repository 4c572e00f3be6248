import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Problems with product cards, named as in `Problem(.products.invalidGTIN)`.
    public static let products = ProblemCatalog.ProductProblems()
}

extension ProblemCatalog {
    /// Problems with a product card and its GTIN.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct ProductProblems: Sendable {
        public let assignedElsewhere = Problem.Code("product.gtin_assigned", .forbidden)
        public let unassigned = Problem.Code("product.gtin_unassigned", .forbidden)
        public let assignmentDigits = Problem.Code("product.assignment_digits", .unprocessableContent)
        public let invalidGTIN = Problem.Code(MarkingError.Code.invalidGTIN, .unprocessableContent)
        public let gtinCheckDigit = Problem.Code(MarkingError.Code.gtinCheckDigit, .unprocessableContent)
        public let unknown = Problem.Code("product.unknown", .notFound)
        public let foreign = Problem.Code("product.foreign", .forbidden)
        public let tradeName = Problem.Code("product.trade_name", .unprocessableContent)
        public let text = Problem.Code("product.text", .unprocessableContent)
        public let country = Problem.Code("product.country", .unprocessableContent)
        public let date = Problem.Code("product.date", .unprocessableContent)
        public let price = Problem.Code("product.price", .unprocessableContent)
    }
}
