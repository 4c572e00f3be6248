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
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct DocumentProblems: Sendable {
        public let unknown = Problem.Code(
            MarkingError.Code.unknownDocument, .notFound,
            kk: ("Құжат табылмады", "Мұндай нөмірлі құжат жоқ."),
            ru: ("Документ не найден", "Документа с таким номером нет."),
            en: ("Document not found", "There is no document with this id."))
        public let numberReused = Problem.Code(
            MarkingError.Code.numberReused, .conflict,
            kk: ("Құжат нөмірі бос емес", "Бұл нөмірмен басқа мазмұнды құжат жіберілген. Қайталау сол құжатты жіберуі керек, жаңа құжатқа жаңа нөмір беріңіз."),
            ru: ("Номер документа уже занят", "Под этим номером уже отправлен документ с другим содержимым. Повтор должен отправлять тот же документ; новому документу дайте новый номер."),
            en: ("Document number already used", "A document with other content was sent under this number. A retry must send the same document; give a new document a new number."))
        public let type = Problem.Code(
            MarkingError.Code.documentType, .unprocessableContent,
            kk: ("Құжат түрі белгісіз", "UTILISATION, INTRODUCTION, TRANSFER, RETIREMENT, WRITE_OFF, RETURN, AGGREGATION немесе DISAGGREGATION."),
            ru: ("Неизвестный тип документа", "UTILISATION, INTRODUCTION, TRANSFER, RETIREMENT, WRITE_OFF, RETURN, AGGREGATION или DISAGGREGATION."),
            en: ("Unknown document type", "Use UTILISATION, INTRODUCTION, TRANSFER, RETIREMENT, WRITE_OFF, RETURN, AGGREGATION or DISAGGREGATION."))
        public let number = Problem.Code(
            MarkingError.Code.documentNumber, .unprocessableContent,
            kk: ("Құжат нөмірі қате", "Құжат нөмірі 1-ден 128 байтқа дейін болуы керек."),
            ru: ("Неверный номер документа", "Номер документа — от 1 до 128 байт."),
            en: ("Invalid document number", "A document number has 1 to 128 bytes."))
        public let receiverMissing = Problem.Code(
            MarkingError.Code.receiverMissing, .unprocessableContent,
            kk: ("Алушы көрсетілмеген", "Беру құжатында алушы қатысушы болуы керек."),
            ru: ("Не указан получатель", "В документе передачи нужен участник-получатель."),
            en: ("Receiver missing", "A transfer needs a receiver."))
        public let receiverIsSender = Problem.Code(
            MarkingError.Code.receiverIsSender, .unprocessableContent,
            kk: ("Алушы жіберушімен бірдей", "Кодтарды өзіңізге беруге болмайды."),
            ru: ("Получатель совпадает с отправителем", "Нельзя передать коды самому себе."),
            en: ("Receiver is the sender", "Codes cannot be transferred to oneself."))
        public let receiverUnknown = Problem.Code(
            MarkingError.Code.receiverUnknown, .unprocessableContent,
            kk: ("Алушы тіркелмеген", "Мұндай нөмірлі қатысушы жоқ."),
            ru: ("Получатель не зарегистрирован", "Участника с таким номером нет."),
            en: ("Receiver not registered", "No participant is registered with this id."))
        public let reason = Problem.Code(
            MarkingError.Code.documentReason, .unprocessableContent,
            kk: ("Себеп қате", "Айналымнан шығару немесе есептен шығару құжатына жарамды себеп қажет."),
            ru: ("Неверная причина", "Для вывода из оборота или списания нужна допустимая причина."),
            en: ("Invalid reason", "A retirement or write-off needs one of its reasons."))
        public let package = Problem.Code(
            MarkingError.Code.documentPackage, .unprocessableContent,
            kk: ("Қаптама көрсетілмеген", "Агрегация құжатына толтырылатын қаптама (SSCC немесе топтық қаптама коды) қажет."),
            ru: ("Не указана упаковка", "Для агрегации нужна заполняемая упаковка (SSCC или код групповой упаковки)."),
            en: ("Package missing", "An aggregation needs the package to fill (an SSCC or a group package code)."))
        public let fieldNotAllowed = Problem.Code(
            MarkingError.Code.fieldNotAllowed, .unprocessableContent,
            kk: ("Өріс бұл құжат түріне жатпайды", "Бұл өріс тек басқа түрдегі құжатта болады."),
            ru: ("Поле не для этого типа документа", "Это поле бывает только в документе другого типа."),
            en: ("Field not for this document type", "This field belongs to another type of document."))
        public let date = Problem.Code(
            MarkingError.Code.documentDate, .unprocessableContent,
            kk: ("Құжат күні қате", "Құжаттың күндерін (date, customsDeclarationDate, productionDate) бар күнтізбелік күн ретінде ЖЖЖЖ-АА-КК түрінде көрсетіңіз."),
            ru: ("Неверная дата документа", "Даты документа (date, customsDeclarationDate, productionDate) указываются существующей календарной датой в виде ГГГГ-ММ-ДД."),
            en: ("Invalid document date", "A document's dates (date, customsDeclarationDate, productionDate) are real calendar days written YYYY-MM-DD."))
        public let empty = Problem.Code(
            MarkingError.Code.documentEmpty, .unprocessableContent,
            kk: ("Кодтар тізімі бос", "Құжатта кемінде бір код болуы керек."),
            ru: ("Список кодов пуст", "В документе должен быть хотя бы один код."),
            en: ("Empty code list", "A document lists at least one code."))
        public let tooManyCodes = Problem.Code(
            MarkingError.Code.tooManyCodes, .contentTooLarge,
            kk: ("Кодтар тым көп", "Бір құжатта ең көбі 10 000 000 код болады."),
            ru: ("Слишком много кодов", "В одном документе не более 10 000 000 кодов."),
            en: ("Too many codes", "A document lists at most 10,000,000 codes."))
        public let codeLine = Problem.Code(
            "document.code_line", .badRequest,
            kk: ("Код жолы қате", "Әр код бос емес бір жол болуы керек."),
            ru: ("Неверная строка кода", "Каждый код — одна непустая строка."),
            en: ("Invalid code entry", "Each code is one non-empty line."))
        public let notReceiver = Problem.Code(
            MarkingError.Code.notReceiver, .forbidden,
            kk: ("Тек алушы жауап бере алады", "Жөнелтілімді тек оның алушысы қабылдай немесе бас тарта алады."),
            ru: ("Ответить может только получатель", "Принять отгрузку или отказаться от неё может только её получатель."),
            en: ("Only the receiver may answer", "Only the receiver of a shipment may accept or reject it."))
        public let notWaiting = Problem.Code(
            MarkingError.Code.notWaiting, .conflict,
            kk: ("Құжат қабылдауды күтпейді", "Бұл құжат WAIT_ACCEPTANCE күйінде емес: ол қабылдаусыз беру немесе бұрын қабылданған, бас тартылған не тексеруден өтпеген жөнелтілім."),
            ru: ("Документ не ожидает приёмки", "Этот документ не в состоянии WAIT_ACCEPTANCE: это передача без приёмки или отгрузка, уже принятая, отклонённая или не прошедшая проверку."),
            en: ("Document not waiting for acceptance", "This document is not WAIT_ACCEPTANCE: it is a transfer without acceptance, or a shipment already accepted, rejected or refused."))
        public let unknownPackage = Problem.Code(
            "package.unknown", .notFound,
            kk: ("Қаптама табылмады", "Бұл белгімен тіркелген қаптама жоқ."),
            ru: ("Упаковка не найдена", "Упаковка с такой меткой не зарегистрирована."),
            en: ("Package not found", "No package is registered under this label."))
    }
}
