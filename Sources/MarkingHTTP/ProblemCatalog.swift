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
                kk: ("GTIN қате", "GTIN бақылау цифры дұрыс 14 цифрдан тұруы керек; 8, 12 немесе 13 цифрлы GTIN-ді алдына нөлдер қосып, 14 цифрға дейін толықтырып жіберіңіз."),
                ru: ("Неверный GTIN", "GTIN — 14 цифр с верной контрольной цифрой; GTIN из 8, 12 или 13 цифр передавайте дополненным ведущими нулями до 14 цифр."),
                en: ("Invalid GTIN", "A GTIN is 14 digits with a valid check digit; send a GTIN-8, -12 or -13 padded with leading zeros to 14 digits.")),
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
            "request.timeout": entry(
                .requestTimeout,
                kk: ("Сұрау тым ұзақ келді", "Кодтар тізімі рұқсат етілген уақыт ішінде толық келмеді. Оны қайта жіберіңіз."),
                ru: ("Запрос шёл слишком долго", "Список кодов не пришёл целиком за отведённое время. Отправьте его заново."),
                en: ("Request took too long", "The code list did not arrive in full within the time allowed. Send it again.")),
            "request.busy": entry(
                .tooManyRequests,
                kk: ("Сервер бос емес", "Қазір тым көп кодтар тізімі қабылданып не өңделіп жатыр. Retry-After тақырыбында көрсетілген секундтан кейін қайталаңыз."),
                ru: ("Сервер занят", "Сейчас принимается или обрабатывается слишком много списков кодов. Повторите запрос через указанное в заголовке Retry-After число секунд."),
                en: ("Server busy", "Too many code lists are being received or run right now. Send the request again after the seconds given in Retry-After.")),
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

            // Documents.
            "auth.participant_only": entry(
                .forbidden,
                kk: ("Қатысушы токені қажет", "Құжатты тек қатысушы өз атынан жібереді; әкімші токені жарамайды."),
                ru: ("Нужен токен участника", "Документ подаёт участник от своего имени; токен администратора не подходит."),
                en: ("Participant token required", "A document is submitted by a participant in its own name; the admin token cannot.")),
            "document.unknown": entry(
                .notFound,
                kk: ("Құжат табылмады", "Мұндай нөмірлі құжат жоқ."),
                ru: ("Документ не найден", "Документа с таким номером нет."),
                en: ("Document not found", "There is no document with this id.")),
            "document.type": entry(
                .unprocessableContent,
                kk: ("Құжат түрі белгісіз", "UTILISATION, INTRODUCTION, TRANSFER, RETIREMENT, WRITE_OFF, RETURN, AGGREGATION немесе DISAGGREGATION."),
                ru: ("Неизвестный тип документа", "UTILISATION, INTRODUCTION, TRANSFER, RETIREMENT, WRITE_OFF, RETURN, AGGREGATION или DISAGGREGATION."),
                en: ("Unknown document type", "Use UTILISATION, INTRODUCTION, TRANSFER, RETIREMENT, WRITE_OFF, RETURN, AGGREGATION or DISAGGREGATION.")),
            "document.not_receiver": entry(
                .forbidden,
                kk: ("Тек алушы жауап бере алады", "Жөнелтілімді тек оның алушысы қабылдай немесе бас тарта алады."),
                ru: ("Ответить может только получатель", "Принять отгрузку или отказаться от неё может только её получатель."),
                en: ("Only the receiver may answer", "Only the receiver of a shipment may accept or reject it.")),
            "document.not_waiting": entry(
                .conflict,
                kk: ("Құжат қабылдауды күтпейді", "Бұл құжат WAIT_ACCEPTANCE күйінде емес: ол қабылдаусыз беру немесе бұрын қабылданған, бас тартылған не тексеруден өтпеген жөнелтілім."),
                ru: ("Документ не ожидает приёмки", "Этот документ не в состоянии WAIT_ACCEPTANCE: это передача без приёмки или отгрузка, уже принятая, отклонённая или не прошедшая проверку."),
                en: ("Document not waiting for acceptance", "This document is not WAIT_ACCEPTANCE: it is a transfer without acceptance, or a shipment already accepted, rejected or refused.")),
            "document.number": entry(
                .unprocessableContent,
                kk: ("Құжат нөмірі қате", "Құжат нөмірі 1-ден 128 байтқа дейін болуы керек."),
                ru: ("Неверный номер документа", "Номер документа — от 1 до 128 байт."),
                en: ("Invalid document number", "A document number has 1 to 128 bytes.")),
            "document.receiver_missing": entry(
                .unprocessableContent,
                kk: ("Алушы көрсетілмеген", "Беру құжатында алушы қатысушы болуы керек."),
                ru: ("Не указан получатель", "В документе передачи нужен участник-получатель."),
                en: ("Receiver missing", "A transfer needs a receiver.")),
            "document.receiver_is_sender": entry(
                .unprocessableContent,
                kk: ("Алушы жіберушімен бірдей", "Кодтарды өзіңізге беруге болмайды."),
                ru: ("Получатель совпадает с отправителем", "Нельзя передать коды самому себе."),
                en: ("Receiver is the sender", "Codes cannot be transferred to oneself.")),
            "document.receiver_unknown": entry(
                .unprocessableContent,
                kk: ("Алушы тіркелмеген", "Мұндай нөмірлі қатысушы жоқ."),
                ru: ("Получатель не зарегистрирован", "Участника с таким номером нет."),
                en: ("Receiver not registered", "No participant is registered with this id.")),
            "document.reason": entry(
                .unprocessableContent,
                kk: ("Себеп қате", "Айналымнан шығару немесе есептен шығару құжатына жарамды себеп қажет."),
                ru: ("Неверная причина", "Для вывода из оборота или списания нужна допустимая причина."),
                en: ("Invalid reason", "A retirement or write-off needs one of its reasons.")),
            "document.package": entry(
                .unprocessableContent,
                kk: ("Қаптама көрсетілмеген", "Агрегация құжатына толтырылатын қаптама (SSCC немесе топтық қаптама коды) қажет."),
                ru: ("Не указана упаковка", "Для агрегации нужна заполняемая упаковка (SSCC или код групповой упаковки)."),
                en: ("Package missing", "An aggregation needs the package to fill (an SSCC or a group package code).")),
            "document.field_not_allowed": entry(
                .unprocessableContent,
                kk: ("Өріс бұл құжат түріне жатпайды", "Бұл өріс тек басқа түрдегі құжатта болады."),
                ru: ("Поле не для этого типа документа", "Это поле бывает только в документе другого типа."),
                en: ("Field not for this document type", "This field belongs to another type of document.")),
            "document.date": entry(
                .unprocessableContent,
                kk: ("Құжат күні қате", "Құжаттың күндерін (date, customsDeclarationDate, productionDate) бар күнтізбелік күн ретінде ЖЖЖЖ-АА-КК түрінде көрсетіңіз."),
                ru: ("Неверная дата документа", "Даты документа (date, customsDeclarationDate, productionDate) указываются существующей календарной датой в виде ГГГГ-ММ-ДД."),
                en: ("Invalid document date", "A document's dates (date, customsDeclarationDate, productionDate) are real calendar days written YYYY-MM-DD.")),
            "document.empty": entry(
                .unprocessableContent,
                kk: ("Кодтар тізімі бос", "Құжатта кемінде бір код болуы керек."),
                ru: ("Список кодов пуст", "В документе должен быть хотя бы один код."),
                en: ("Empty code list", "A document lists at least one code.")),
            "document.too_many_codes": entry(
                .contentTooLarge,
                kk: ("Кодтар тым көп", "Бір құжатта ең көбі 10 000 000 код болады."),
                ru: ("Слишком много кодов", "В одном документе не более 10 000 000 кодов."),
                en: ("Too many codes", "A document lists at most 10,000,000 codes.")),
            "document.code_line": entry(
                .badRequest,
                kk: ("Код жолы қате", "Әр код бос емес бір жол болуы керек."),
                ru: ("Неверная строка кода", "Каждый код — одна непустая строка."),
                en: ("Invalid code entry", "Each code is one non-empty line.")),
            "request.ndjson_line": entry(
                .badRequest,
                kk: ("NDJSON жолы қате", "Әр жол {\"code\": \"...\"} нысаны немесе JSON жолы болуы керек."),
                ru: ("Неверная строка NDJSON", "Каждая строка — объект {\"code\": \"...\"} или строка JSON."),
                en: ("Invalid NDJSON line", "Each line is an object {\"code\": \"...\"} or a JSON string.")),
            "request.media_type": entry(
                .unsupportedMediaType,
                kk: ("Дене түрі қолдау көрсетілмейді", "application/json, text/plain немесе application/x-ndjson жіберіңіз."),
                ru: ("Тип тела не поддерживается", "Передайте application/json, text/plain или application/x-ndjson."),
                en: ("Unsupported media type", "Send application/json, text/plain or application/x-ndjson.")),

            // Products.
            "product.unknown": entry(
                .notFound,
                kk: ("Тауар табылмады", "Бұл GTIN үшін тауар карточкасы тіркелмеген."),
                ru: ("Товар не найден", "Для этого GTIN карточка товара не зарегистрирована."),
                en: ("Product not found", "No product card is registered for this GTIN.")),
            "product.foreign": entry(
                .forbidden,
                kk: ("GTIN басқа қатысушыға тиесілі", "Бұл GTIN-ді басқа қатысушы тіркеген; карточканы тек ол өзгерте алады."),
                ru: ("GTIN принадлежит другому участнику", "Этот GTIN зарегистрирован другим участником; менять карточку может только он."),
                en: ("GTIN belongs to another participant", "Another participant registered this GTIN; only it may change the card.")),
            "product.trade_name": entry(
                .unprocessableContent,
                kk: ("Сауда атауы қате", "Сауда атауы 1-ден 300-ге дейін таңбадан тұрады."),
                ru: ("Неверное торговое наименование", "Торговое наименование — от 1 до 300 символов."),
                en: ("Invalid trade name", "A trade name has 1 to 300 characters.")),
            "product.text": entry(
                .unprocessableContent,
                kk: ("Мәтін өрісі қате", "Мәтін өрісі бос емес және 300 таңбадан аспайды."),
                ru: ("Неверное текстовое поле", "Текстовое поле непустое и не длиннее 300 символов."),
                en: ("Invalid text field", "A text field is not blank and has at most 300 characters.")),
            "product.country": entry(
                .unprocessableContent,
                kk: ("Ел коды қате", "Елді ISO 3166-1 екі әріпті кодымен көрсетіңіз, мысалы KZ."),
                ru: ("Неверный код страны", "Укажите страну двухбуквенным кодом ISO 3166-1, например KZ."),
                en: ("Invalid country code", "Give the country as an ISO 3166-1 alpha-2 code such as KZ.")),
            "product.date": entry(
                .unprocessableContent,
                kk: ("Күн қате", "Күнді ЖЖЖЖ-АА-КК түрінде көрсетіңіз."),
                ru: ("Неверная дата", "Укажите дату в виде ГГГГ-ММ-ДД."),
                en: ("Invalid date", "Give the date as YYYY-MM-DD.")),
            "product.price": entry(
                .unprocessableContent,
                kk: ("Баға қате", "Баға — теңгемен, бөлшек бөлігінде ең көбі екі цифр, мысалы \"1250.50\"."),
                ru: ("Неверная цена", "Цена — в тенге, не более двух знаков после точки, например \"1250.50\"."),
                en: ("Invalid price", "A price is in tenge with at most two decimals, such as \"1250.50\".")),
            "package.unknown": entry(
                .notFound,
                kk: ("Қаптама табылмады", "Бұл белгімен тіркелген қаптама жоқ."),
                ru: ("Упаковка не найдена", "Упаковка с такой меткой не зарегистрирована."),
                en: ("Package not found", "No package is registered under this label.")),
            "codes.count": entry(
                .unprocessableContent,
                kk: ("Кодтар саны жарамсыз", "Бір сұрауда 1-ден 1000-ға дейін код болады."),
                ru: ("Недопустимое число кодов", "Один запрос содержит от 1 до 1000 кодов."),
                en: ("Wrong number of codes", "One call holds 1 to 1000 codes.")),
            "order.product_unregistered": entry(
                .unprocessableContent,
                kk: ("Тауар тіркелмеген", "Код тапсырысы алдында GTIN карточкасын PUT /api/v1/products/{gtin} арқылы тіркеңіз."),
                ru: ("Товар не зарегистрирован", "Перед заказом кодов зарегистрируйте карточку GTIN через PUT /api/v1/products/{gtin}."),
                en: ("Product not registered", "Register the GTIN's product card with PUT /api/v1/products/{gtin} before ordering codes.")),
            "order.gtin_foreign": entry(
                .forbidden,
                kk: ("GTIN басқа қатысушыға тиесілі", "Кодтарды тек өз тауарларыңызға тапсырыс бере аласыз."),
                ru: ("GTIN принадлежит другому участнику", "Заказывать коды можно только для своих товаров."),
                en: ("GTIN belongs to another participant", "Codes can be ordered only for one's own products.")),
            "violation.code": entry(
                .unprocessableContent,
                kk: ("Код жарамсыз", "Хабарламада 1-ден 200 байтқа дейінгі код болуы керек."),
                ru: ("Неверный код", "Сообщение должно содержать код длиной от 1 до 200 байт."),
                en: ("Invalid code", "A report carries a code of 1 to 200 bytes.")),
            "violation.text": entry(
                .unprocessableContent,
                kk: ("Мәтін жарамсыз", "Орын 1-ден 300 таңбаға дейін, түсініктеме 1-ден 2000 таңбаға дейін."),
                ru: ("Недопустимый текст", "Место — от 1 до 300 символов, комментарий — от 1 до 2000 символов."),
                en: ("Invalid text", "A place has 1 to 300 characters, a comment 1 to 2000.")),
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
