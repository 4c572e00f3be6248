import Hummingbird
import Emitter
import MarkingCore

extension Problem.Code {
    /// Problems with emission orders, named as in `Problem(.orders.unknown)`.
    public static let orders = ProblemCatalog.OrderProblems()
}

extension ProblemCatalog {
    /// Problems with an emission order: its quantity, template and serial numbers, the
    /// product it is for, and downloading its codes.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct OrderProblems: Sendable {
        public let unknown = Problem.Code(MarkingError.Code.unknownOrder, .notFound)
        public let quantity = Problem.Code(MarkingError.Code.invalidQuantity, .unprocessableContent)
        public let unknownTemplate = Problem.Code(MarkingError.Code.unknownTemplate, .unprocessableContent)
        public let invalidSerial = Problem.Code(MarkingError.Code.invalidSerial, .unprocessableContent)
        public let serialTaken = Problem.Code(MarkingError.Code.serialTaken, .conflict)
        public let serialSpaceExhausted = Problem.Code(MarkingError.Code.serialSpaceExhausted, .conflict)
        public let productUnregistered = Problem.Code("order.product_unregistered", .unprocessableContent)
        public let gtinForeign = Problem.Code("order.gtin_foreign", .forbidden)
        public let number = Problem.Code("order.number", .unprocessableContent)
        public let numberReused = Problem.Code(MarkingError.Code.orderNumberReused, .conflict)
        public let notReady = Problem.Code("order.not_ready", .conflict)
    }
}
