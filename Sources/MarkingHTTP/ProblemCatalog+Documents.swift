import Hummingbird
import MarkingCore
import OwnershipBatch

extension Problem.Code {
    /// Problems with documents and packages, named as in `Problem(.documents.unknown)`.
    public static let documents = ProblemCatalog.DocumentProblems()
}

extension ProblemCatalog {
    /// Problems with a document (its type, number, receiver, reason, package, dates and
    /// code list), with answering a shipment, and with a package looked up by its label.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct DocumentProblems: Sendable {
        public let unknown = Problem.Code(MarkingError.Code.unknownDocument, .notFound)
        public let numberReused = Problem.Code(MarkingError.Code.numberReused, .conflict)
        public let type = Problem.Code(MarkingError.Code.documentType, .unprocessableContent)
        public let number = Problem.Code(MarkingError.Code.documentNumber, .unprocessableContent)
        public let receiverMissing = Problem.Code(MarkingError.Code.receiverMissing, .unprocessableContent)
        public let receiverIsSender = Problem.Code(MarkingError.Code.receiverIsSender, .unprocessableContent)
        public let receiverUnknown = Problem.Code(MarkingError.Code.receiverUnknown, .unprocessableContent)
        public let reason = Problem.Code(MarkingError.Code.documentReason, .unprocessableContent)
        public let package = Problem.Code(MarkingError.Code.documentPackage, .unprocessableContent)
        public let fieldNotAllowed = Problem.Code(MarkingError.Code.fieldNotAllowed, .unprocessableContent)
        public let date = Problem.Code(MarkingError.Code.documentDate, .unprocessableContent)
        public let empty = Problem.Code(MarkingError.Code.documentEmpty, .unprocessableContent)
        public let tooManyCodes = Problem.Code(MarkingError.Code.tooManyCodes, .contentTooLarge)
        public let codeLine = Problem.Code("document.code_line", .badRequest)
        public let notReceiver = Problem.Code(MarkingError.Code.notReceiver, .forbidden)
        public let notWaiting = Problem.Code(MarkingError.Code.notWaiting, .conflict)
        public let unknownPackage = Problem.Code("package.unknown", .notFound)
    }
}
