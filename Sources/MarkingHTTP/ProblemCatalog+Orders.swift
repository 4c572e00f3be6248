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
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct OrderProblems: Sendable {
        public let unknown = Problem.Code(
            MarkingError.Code.unknownOrder, .notFound,
            kk: ("Тапсырыс табылмады", "Мұндай нөмірлі тапсырыс жоқ."),
            ru: ("Заказ не найден", "Заказа с таким номером нет."),
            en: ("Order not found", "There is no order with this id."))
        public let quantity = Problem.Code(
            MarkingError.Code.invalidQuantity, .unprocessableContent,
            kk: ("Кодтар саны жарамсыз", "Бір тапсырыста 1-ден 100 000 000-ға дейін код болады."),
            ru: ("Недопустимое количество кодов", "Один заказ содержит от 1 до 100 000 000 кодов."),
            en: ("Quantity out of range", "An order holds 1 to 100,000,000 codes."))
        public let unknownTemplate = Problem.Code(
            MarkingError.Code.unknownTemplate, .unprocessableContent,
            kk: ("Код үлгісі белгісіз", "s13-91-92, s7-93 немесе s6-93 үлгісін қолданыңыз."),
            ru: ("Неизвестный шаблон кода", "Используйте шаблон s13-91-92, s7-93 или s6-93."),
            en: ("Unknown code template", "Use the template s13-91-92, s7-93 or s6-93."))
        public let invalidSerial = Problem.Code(
            MarkingError.Code.invalidSerial, .unprocessableContent,
            kk: ("Сериялық нөмір қате", "Сериялық нөмір GS1 82 таңбалы жиынтығынан тұрып, үлгі талап ететін ұзындықта болуы керек."),
            ru: ("Неверный серийный номер", "Серийный номер состоит из символов набора GS1 (82 знака) и имеет длину, которую требует шаблон."),
            en: ("Invalid serial number", "A serial uses the 82 characters of GS1's set and has the length its template asks for."))
        public let serialTaken = Problem.Code(
            MarkingError.Code.serialTaken, .conflict,
            kk: ("Сериялық нөмір бос емес", "Бұл сериялық нөмір осы GTIN үшін бұрыннан берілген."),
            ru: ("Серийный номер уже занят", "Этот серийный номер уже выдан для данного GTIN."),
            en: ("Serial number taken", "This serial number is already issued for this GTIN."))
        public let serialSpaceExhausted = Problem.Code(
            MarkingError.Code.serialSpaceExhausted, .conflict,
            kk: ("Сериялық нөмірлер таусылды", "Осы GTIN мен үлгі үшін бос сериялық нөмірлер жеткіліксіз."),
            ru: ("Серийные номера исчерпаны", "Для этого GTIN и шаблона не хватает свободных серийных номеров."),
            en: ("Serial numbers exhausted", "This GTIN and template have fewer free serials than ordered."))
        public let productUnregistered = Problem.Code(
            "order.product_unregistered", .unprocessableContent,
            kk: ("Тауар тіркелмеген", "Код тапсырысы алдында GTIN карточкасын PUT /api/v1/products/{gtin} арқылы тіркеңіз."),
            ru: ("Товар не зарегистрирован", "Перед заказом кодов зарегистрируйте карточку GTIN через PUT /api/v1/products/{gtin}."),
            en: ("Product not registered", "Register the GTIN's product card with PUT /api/v1/products/{gtin} before ordering codes."))
        public let gtinForeign = Problem.Code(
            "order.gtin_foreign", .forbidden,
            kk: ("GTIN басқа қатысушыға тиесілі", "Кодтарды тек өз тауарларыңызға тапсырыс бере аласыз."),
            ru: ("GTIN принадлежит другому участнику", "Заказывать коды можно только для своих товаров."),
            en: ("GTIN belongs to another participant", "Codes can be ordered only for one's own products."))
        public let number = Problem.Code(
            "order.number", .unprocessableContent,
            kk: ("Тапсырыс нөмірі жарамсыз", "Тапсырыс нөмірі 1-ден 128 байтқа дейін, басқару таңбаларынсыз болуы керек."),
            ru: ("Неверный номер заказа", "Номер заказа — от 1 до 128 байт, без управляющих символов."),
            en: ("Invalid order number", "An order number has 1 to 128 bytes and no control characters."))
        public let numberReused = Problem.Code(
            MarkingError.Code.orderNumberReused, .conflict,
            kk: ("Тапсырыс нөмірі бос емес", "Бұл нөмір басқа мазмұнды тапсырысқа берілген. Қайталау сол тапсырысты жіберуі керек, жаңа тапсырысқа жаңа нөмір керек."),
            ru: ("Номер заказа уже использован", "Этот номер уже дан заказу с другим содержанием. Повтор должен отправлять тот же заказ, новому заказу нужен новый номер."),
            en: ("Order number already used", "This number was given to an order with different content. A retry must send the same order; a new order needs a new number."))
        public let notReady = Problem.Code(
            "order.not_ready", .conflict,
            kk: ("Тапсырыс орындалмаған", "Кодтарды тек COMPLETED күйіндегі тапсырыстан алуға болады."),
            ru: ("Заказ не выполнен", "Коды можно получить только у заказа в состоянии COMPLETED."),
            en: ("Order not completed", "Codes can be downloaded only from a COMPLETED order."))
    }
}
