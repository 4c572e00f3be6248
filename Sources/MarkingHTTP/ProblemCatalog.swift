import Hummingbird

/// The status and the Kazakh, Russian and English texts of every problem code.
///
/// Codes are stable: programs branch on them, people read the title and detail.
/// An unknown code is answered as `internal.error` text with status 500, so a code
/// missing here shows up in tests rather than as an empty answer.
public enum ProblemCatalog {
    /// A title and a detail in one language.
    public struct Text: Sendable {
        public var title: String
        public var detail: String
    }

    /// The status and texts of one code.
    public struct Entry: Sendable {
        public var status: HTTPResponse.Status
        var kk: Text
        var ru: Text
        var en: Text

        /// The text in `language`.
        public func text(in language: Language) -> Text {
            switch language {
            case .kk: kk
            case .ru: ru
            case .en: en
            }
        }
    }

    /// The entry of `code`; `internal.error`'s for codes not in the catalog.
    public static func entry(for code: String) -> Entry {
        entries[code] ?? entries["internal.error"]!
    }

    /// Every known code.
    public static var codes: [String] { entries.keys.sorted() }

    private static func entry(
        _ status: HTTPResponse.Status, kk: (String, String), ru: (String, String), en: (String, String)
    ) -> Entry {
        Entry(status: status, kk: Text(title: kk.0, detail: kk.1), ru: Text(title: ru.0, detail: ru.1), en: Text(title: en.0, detail: en.1))
    }

    /// The shared text of every reason a scanned code cannot be read.
    private static let unreadable = entry(
        .unprocessableContent,
        kk: ("Таңбалау кодын оқу мүмкін емес", "Код GS1 DataMatrix пішіміне сәйкес келмейді: (01) GTIN, (21) сериялық нөмір, (91)/(92) немесе (93) крипто-құйрық."),
        ru: ("Код маркировки не читается", "Код не соответствует формату GS1 DataMatrix: (01) GTIN, (21) серийный номер, (91)/(92) или (93) криптохвост."),
        en: ("The marking code cannot be read", "The code is not a GS1 DataMatrix element string: (01) GTIN, (21) serial, (91)/(92) or (93) crypto tail."))

    private static let storeFailure = entry(
        .internalServerError,
        kk: ("Ішкі қате", "Сервер сұрауды орындай алмады. Кейінірек қайталаңыз."),
        ru: ("Внутренняя ошибка", "Сервер не смог выполнить запрос. Повторите позже."),
        en: ("Internal error", "The server could not complete the request. Try again later."))

    private static let entries: [String: Entry] = {
        var entries: [String: Entry] = [
            // Input of the engine (MarkingError codes).
            "gtin.invalid": entry(
                .unprocessableContent,
                kk: ("GTIN қате", "GTIN бақылау цифры дұрыс 14 цифрдан тұруы керек (8, 12 немесе 13 цифр нөлдермен толықтырылады)."),
                ru: ("Неверный GTIN", "GTIN — 14 цифр с верной контрольной цифрой (8, 12 или 13 цифр дополняются нулями)."),
                en: ("Invalid GTIN", "A GTIN is 14 digits with a valid check digit (8, 12 or 13 digits are padded with zeros).")),
            "gtin.check_digit": entry(
                .unprocessableContent,
                kk: ("GTIN бақылау цифры қате", "GTIN-нің соңғы цифры есептелген бақылау цифрына сәйкес келмейді."),
                ru: ("Неверная контрольная цифра GTIN", "Последняя цифра GTIN не совпадает с вычисленной контрольной цифрой."),
                en: ("Wrong GTIN check digit", "The last digit of the GTIN is not its computed check digit.")),
            "serial.invalid": entry(
                .unprocessableContent,
                kk: ("Сериялық нөмір қате", "Сериялық нөмір GS1 82 таңбалы жиынтығынан тұрып, үлгі талап ететін ұзындықта болуы керек."),
                ru: ("Неверный серийный номер", "Серийный номер состоит из символов набора GS1 (82 знака) и имеет длину, которую требует шаблон."),
                en: ("Invalid serial number", "A serial uses the 82 characters of GS1's set and has the length its template asks for.")),
            "template.unknown": entry(
                .unprocessableContent,
                kk: ("Код үлгісі белгісіз", "s13-91-92, s7-93 немесе s6-93 үлгісін қолданыңыз."),
                ru: ("Неизвестный шаблон кода", "Используйте шаблон s13-91-92, s7-93 или s6-93."),
                en: ("Unknown code template", "Use the template s13-91-92, s7-93 or s6-93.")),
            "order.quantity": entry(
                .unprocessableContent,
                kk: ("Кодтар саны жарамсыз", "Бір тапсырыста 1-ден 100 000 000-ға дейін код болады."),
                ru: ("Недопустимое количество кодов", "Один заказ содержит от 1 до 100 000 000 кодов."),
                en: ("Quantity out of range", "An order holds 1 to 100,000,000 codes.")),
            "serial.taken": entry(
                .conflict,
                kk: ("Сериялық нөмір бос емес", "Бұл сериялық нөмір осы GTIN үшін бұрыннан берілген."),
                ru: ("Серийный номер уже занят", "Этот серийный номер уже выдан для данного GTIN."),
                en: ("Serial number taken", "This serial number is already issued for this GTIN.")),
            "serial.space_exhausted": entry(
                .conflict,
                kk: ("Сериялық нөмірлер таусылды", "Осы GTIN мен үлгі үшін бос сериялық нөмірлер жеткіліксіз."),
                ru: ("Серийные номера исчерпаны", "Для этого GTIN и шаблона не хватает свободных серийных номеров."),
                en: ("Serial numbers exhausted", "This GTIN and template have fewer free serials than ordered.")),
            "order.unknown": entry(
                .notFound,
                kk: ("Тапсырыс табылмады", "Мұндай нөмірлі тапсырыс жоқ."),
                ru: ("Заказ не найден", "Заказа с таким номером нет."),
                en: ("Order not found", "There is no order with this id.")),
            "code.unknown": entry(
                .notFound,
                kk: ("Код табылмады", "Бұл код жүйеде тіркелмеген."),
                ru: ("Код не найден", "Этот код не зарегистрирован в системе."),
                en: ("Code not found", "This code is not registered.")),
            "input.invalid": entry(
                .unprocessableContent,
                kk: ("Деректер қате", "Сұраудағы мән жарамсыз."),
                ru: ("Неверные данные", "Значение в запросе недопустимо."),
                en: ("Invalid input", "A value in the request is not acceptable.")),
            "store.failure": storeFailure,
            "store.data_folder": storeFailure,
            "keys.file": storeFailure,
            "keys.unknown": storeFailure,
            "internal.error": storeFailure,

            // The request itself.
            "request.malformed_json": entry(
                .badRequest,
                kk: ("Сұрау денесі JSON емес", "Сұрау денесі дұрыс JSON нысаны болуы керек."),
                ru: ("Тело запроса — не JSON", "Тело запроса должно быть корректным объектом JSON."),
                en: ("Malformed JSON", "The request body must be a well-formed JSON object.")),
            "request.unknown_field": entry(
                .badRequest,
                kk: ("Белгісіз өріс", "Сұрауда бұл әдіс қабылдамайтын өріс бар."),
                ru: ("Неизвестное поле", "В запросе есть поле, которого этот метод не принимает."),
                en: ("Unknown field", "The request has a field this call does not take.")),
            "request.wrong_type": entry(
                .badRequest,
                kk: ("Өріс түрі қате", "Өрістің мәні күтілген түрде емес."),
                ru: ("Неверный тип поля", "Значение поля не того типа, который ожидается."),
                en: ("Wrong field type", "A field's value is not of the expected type.")),
            "request.missing_field": entry(
                .badRequest,
                kk: ("Міндетті өріс жоқ", "Сұрауда міндетті өріс көрсетілмеген."),
                ru: ("Не хватает поля", "В запросе нет обязательного поля."),
                en: ("Missing field", "A required field is missing from the request.")),
            "request.too_large": entry(
                .contentTooLarge,
                kk: ("Сұрау денесі тым үлкен", "Сұрау денесі осы әдіс үшін рұқсат етілген өлшемнен асады."),
                ru: ("Тело запроса слишком большое", "Тело запроса больше, чем допускает этот метод."),
                en: ("Request body too large", "The request body is larger than this call accepts.")),
            "request.parameter": entry(
                .badRequest,
                kk: ("Сұрау параметрі қате", "Жол немесе сұрау жолындағы параметр жарамсыз."),
                ru: ("Неверный параметр запроса", "Параметр в пути или строке запроса недопустим."),
                en: ("Invalid parameter", "A path or query parameter is not acceptable.")),
            "route.unknown": entry(
                .notFound,
                kk: ("Ресурс табылмады", "Мұндай API мекенжайы жоқ."),
                ru: ("Ресурс не найден", "Такого адреса API нет."),
                en: ("Not found", "There is no such API address.")),

            // Access.
            "auth.token_missing": entry(
                .unauthorized,
                kk: ("Қол жеткізу токені қажет", "Authorization: Bearer <токен> тақырыбын жіберіңіз."),
                ru: ("Нужен токен доступа", "Передайте заголовок Authorization: Bearer <токен>."),
                en: ("Access token required", "Send the header Authorization: Bearer <token>.")),
            "auth.token_invalid": entry(
                .unauthorized,
                kk: ("Токен жарамсыз", "Токен белгісіз немесе кері қайтарылған."),
                ru: ("Токен недействителен", "Токен неизвестен или отозван."),
                en: ("Invalid token", "The token is unknown or has been revoked.")),
            "auth.admin_only": entry(
                .forbidden,
                kk: ("Әкімші құқықтары қажет", "Бұл әрекетті тек әкімші токенімен орындауға болады."),
                ru: ("Нужны права администратора", "Это действие доступно только с токеном администратора."),
                en: ("Administrator rights required", "Only the administrator token may do this.")),
            "auth.forbidden": entry(
                .forbidden,
                kk: ("Қол жеткізуге тыйым салынған", "Бұл ресурс басқа қатысушыға тиесілі."),
                ru: ("Доступ запрещён", "Этот ресурс принадлежит другому участнику."),
                en: ("Access denied", "This resource belongs to another participant.")),
            "auth.role": entry(
                .forbidden,
                kk: ("Рөл жеткіліксіз", "Қатысушының рөлі бұл әрекетке рұқсат бермейді (өндіруші немесе импорттаушы қажет)."),
                ru: ("Недостаточно прав роли", "Роль участника не позволяет это действие (нужен производитель или импортёр)."),
                en: ("Role not allowed", "The participant's roles do not allow this (producer or importer needed).")),

            // Participants and tokens.
            "participant.unknown": entry(
                .notFound,
                kk: ("Қатысушы табылмады", "Мұндай нөмірлі қатысушы тіркелмеген."),
                ru: ("Участник не найден", "Участник с таким номером не зарегистрирован."),
                en: ("Participant not found", "No participant is registered with this id.")),
            "participant.bin": entry(
                .unprocessableContent,
                kk: ("БСН/ЖСН қате", "БСН немесе ЖСН — 12 цифр, соңғысы бақылау цифры."),
                ru: ("Неверный БИН/ИИН", "БИН или ИИН — 12 цифр, последняя из них контрольная."),
                en: ("Invalid BIN/IIN", "A BIN or IIN is 12 digits, the last being the check digit.")),
            "participant.name": entry(
                .unprocessableContent,
                kk: ("Қатысушы атауы қате", "Атауы 1-ден 300-ге дейін таңбадан тұруы керек."),
                ru: ("Неверное наименование участника", "Наименование — от 1 до 300 символов."),
                en: ("Invalid participant name", "A name has 1 to 300 characters.")),
            "participant.roles": entry(
                .unprocessableContent,
                kk: ("Қатысушы рөлдері қате", "Кемінде бір рөл: producer, importer, wholesaler, retailer."),
                ru: ("Неверные роли участника", "Нужна хотя бы одна роль: producer, importer, wholesaler, retailer."),
                en: ("Invalid participant roles", "Give at least one role of producer, importer, wholesaler, retailer.")),
            "token.unknown": entry(
                .notFound,
                kk: ("Токен табылмады", "Бұл қатысушының мұндай нөмірлі белсенді токені жоқ."),
                ru: ("Токен не найден", "У этого участника нет активного токена с таким номером."),
                en: ("Token not found", "This participant has no active token with this id.")),
            "token.limit": entry(
                .conflict,
                kk: ("Екі белсенді токен бар", "Жаңа токен шығармас бұрын ескісін кері қайтарыңыз."),
                ru: ("Уже два активных токена", "Отзовите старый токен, прежде чем выпускать новый."),
                en: ("Two tokens already active", "Revoke the old token before issuing a new one.")),
            "order.not_ready": entry(
                .conflict,
                kk: ("Тапсырыс орындалмаған", "Кодтарды тек COMPLETED күйіндегі тапсырыстан алуға болады."),
                ru: ("Заказ не выполнен", "Коды можно получить только у заказа в состоянии COMPLETED."),
                en: ("Order not completed", "Codes can be downloaded only from a COMPLETED order.")),
        ]
        for code in [
            "code.empty", "code.too_long", "code.expected_ai", "code.gtin_digits", "code.gtin_check_digit",
            "code.serial_character", "code.serial_length", "code.expected_separator", "code.key_id", "code.tail",
            "code.trailing_data",
        ] {
            entries[code] = unreadable
        }
        return entries
    }()
}
