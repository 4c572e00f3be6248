import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Problems with product cards, named as in `Problem(.products.invalidGTIN)`.
    public static let products = ProblemCatalog.ProductProblems()
}

extension ProblemCatalog {
    /// Problems with a product card and its GTIN.
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct ProductProblems: Sendable {
        public let assignedElsewhere = Problem.Code(
            "product.gtin_assigned", .forbidden,
            kk: ("GTIN басқа қатысушыға бекітілген", "Әкімші бұл GTIN-ді немесе оның компания префиксін басқа қатысушыға бекіткен."),
            ru: ("GTIN закреплён за другим участником", "Администратор закрепил этот GTIN или его префикс компании за другим участником."),
            en: ("GTIN assigned to another participant", "The administrator assigned this GTIN, or its company prefix, to another participant."))
        public let unassigned = Problem.Code(
            "product.gtin_unassigned", .forbidden,
            kk: ("GTIN сізге бекітілмеген", "Тізілімде GTIN-дер әкімші арқылы бекітіледі; бұл GTIN немесе оның компания префиксі сізге бекітілмеген."),
            ru: ("GTIN не закреплён за вами", "В реестре GTIN закрепляет администратор; этот GTIN и его префикс компании за вами не закреплены."),
            en: ("GTIN not assigned to you", "GTINs are assigned by the registry's administrator; neither this GTIN nor its company prefix is assigned to you."))
        public let assignmentDigits = Problem.Code(
            "product.assignment_digits", .unprocessableContent,
            kk: ("Бекітілетін цифрлар қате", "GS1 компания префиксі (6-дан 12-ге дейін цифр) немесе бақылау цифры дұрыс 14 цифрлы GTIN беріңіз."),
            ru: ("Неверные цифры закрепления", "Укажите префикс компании GS1 (от 6 до 12 цифр) или GTIN из 14 цифр с верной контрольной цифрой."),
            en: ("Invalid assignment digits", "Give a GS1 company prefix (6 to 12 digits) or a 14-digit GTIN with a valid check digit."))
        public let invalidGTIN = Problem.Code(
            MarkingError.Code.invalidGTIN, .unprocessableContent,
            kk: ("GTIN қате", "GTIN бақылау цифры дұрыс 14 цифрдан тұруы керек; 8, 12 немесе 13 цифрлы GTIN-ді алдына нөлдер қосып, 14 цифрға дейін толықтырып жіберіңіз."),
            ru: ("Неверный GTIN", "GTIN — 14 цифр с верной контрольной цифрой; GTIN из 8, 12 или 13 цифр передавайте дополненным ведущими нулями до 14 цифр."),
            en: ("Invalid GTIN", "A GTIN is 14 digits with a valid check digit; send a GTIN-8, -12 or -13 padded with leading zeros to 14 digits."))
        public let gtinCheckDigit = Problem.Code(
            MarkingError.Code.gtinCheckDigit, .unprocessableContent,
            kk: ("GTIN бақылау цифры қате", "GTIN-нің соңғы цифры есептелген бақылау цифрына сәйкес келмейді."),
            ru: ("Неверная контрольная цифра GTIN", "Последняя цифра GTIN не совпадает с вычисленной контрольной цифрой."),
            en: ("Wrong GTIN check digit", "The last digit of the GTIN is not its computed check digit."))
        public let unknown = Problem.Code(
            "product.unknown", .notFound,
            kk: ("Тауар табылмады", "Бұл GTIN үшін тауар карточкасы тіркелмеген."),
            ru: ("Товар не найден", "Для этого GTIN карточка товара не зарегистрирована."),
            en: ("Product not found", "No product card is registered for this GTIN."))
        public let foreign = Problem.Code(
            "product.foreign", .forbidden,
            kk: ("GTIN басқа қатысушыға тиесілі", "Бұл GTIN-ді басқа қатысушы тіркеген; карточканы тек ол өзгерте алады."),
            ru: ("GTIN принадлежит другому участнику", "Этот GTIN зарегистрирован другим участником; менять карточку может только он."),
            en: ("GTIN belongs to another participant", "Another participant registered this GTIN; only it may change the card."))
        public let tradeName = Problem.Code(
            "product.trade_name", .unprocessableContent,
            kk: ("Сауда атауы қате", "Сауда атауы 1-ден 300-ге дейін таңбадан тұрады."),
            ru: ("Неверное торговое наименование", "Торговое наименование — от 1 до 300 символов."),
            en: ("Invalid trade name", "A trade name has 1 to 300 characters."))
        public let text = Problem.Code(
            "product.text", .unprocessableContent,
            kk: ("Мәтін өрісі қате", "Мәтін өрісі бос емес және 300 таңбадан аспайды."),
            ru: ("Неверное текстовое поле", "Текстовое поле непустое и не длиннее 300 символов."),
            en: ("Invalid text field", "A text field is not blank and has at most 300 characters."))
        public let country = Problem.Code(
            "product.country", .unprocessableContent,
            kk: ("Ел коды қате", "Елді ISO 3166-1 екі әріпті кодымен көрсетіңіз, мысалы KZ."),
            ru: ("Неверный код страны", "Укажите страну двухбуквенным кодом ISO 3166-1, например KZ."),
            en: ("Invalid country code", "Give the country as an ISO 3166-1 alpha-2 code such as KZ."))
        public let date = Problem.Code(
            "product.date", .unprocessableContent,
            kk: ("Күн қате", "Күнді ЖЖЖЖ-АА-КК түрінде көрсетіңіз."),
            ru: ("Неверная дата", "Укажите дату в виде ГГГГ-ММ-ДД."),
            en: ("Invalid date", "Give the date as YYYY-MM-DD."))
        public let price = Problem.Code(
            "product.price", .unprocessableContent,
            kk: ("Баға қате", "Баға — теңгемен, бөлшек бөлігінде ең көбі екі цифр, мысалы \"1250.50\"."),
            ru: ("Неверная цена", "Цена — в тенге, не более двух знаков после точки, например \"1250.50\"."),
            en: ("Invalid price", "A price is in tenge with at most two decimals, such as \"1250.50\"."))
    }
}
