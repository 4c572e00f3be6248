import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Problems with a request's body, parameters, size, pace or address, named as in `Problem(.request.malformedJSON)`.
    public static let request = ProblemCatalog.RequestProblems()
}

extension ProblemCatalog {
    /// Problems with a request as such, before its meaning: its body, its parameters, its
    /// size and pace, its address, and a value the engine finds unacceptable.
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct RequestProblems: Sendable {
        public let malformedJSON = Problem.Code(
            "request.malformed_json", .badRequest,
            kk: ("Сұрау денесі JSON емес", "Сұрау денесі дұрыс JSON нысаны болуы керек."),
            ru: ("Тело запроса — не JSON", "Тело запроса должно быть корректным объектом JSON."),
            en: ("Malformed JSON", "The request body must be a well-formed JSON object."))
        public let unknownField = Problem.Code(
            "request.unknown_field", .badRequest,
            kk: ("Белгісіз өріс", "Сұрауда бұл әдіс қабылдамайтын өріс бар."),
            ru: ("Неизвестное поле", "В запросе есть поле, которого этот метод не принимает."),
            en: ("Unknown field", "The request has a field this call does not take."))
        public let wrongType = Problem.Code(
            "request.wrong_type", .badRequest,
            kk: ("Өріс түрі қате", "Өрістің мәні күтілген түрде емес."),
            ru: ("Неверный тип поля", "Значение поля не того типа, который ожидается."),
            en: ("Wrong field type", "A field's value is not of the expected type."))
        public let missingField = Problem.Code(
            "request.missing_field", .badRequest,
            kk: ("Міндетті өріс жоқ", "Сұрауда міндетті өріс көрсетілмеген."),
            ru: ("Не хватает поля", "В запросе нет обязательного поля."),
            en: ("Missing field", "A required field is missing from the request."))
        public let parameter = Problem.Code(
            "request.parameter", .badRequest,
            kk: ("Сұрау параметрі қате", "Жол немесе сұрау жолындағы параметр жарамсыз."),
            ru: ("Неверный параметр запроса", "Параметр в пути или строке запроса недопустим."),
            en: ("Invalid parameter", "A path or query parameter is not acceptable."))
        public let tooLarge = Problem.Code(
            "request.too_large", .contentTooLarge,
            kk: ("Сұрау денесі тым үлкен", "Сұрау денесі осы әдіс үшін рұқсат етілген өлшемнен асады."),
            ru: ("Тело запроса слишком большое", "Тело запроса больше, чем допускает этот метод."),
            en: ("Request body too large", "The request body is larger than this call accepts."))
        public let timeout = Problem.Code(
            "request.timeout", .requestTimeout,
            kk: ("Сұрау тым ұзақ келді", "Кодтар тізімі рұқсат етілген уақыт ішінде толық келмеді. Оны қайта жіберіңіз."),
            ru: ("Запрос шёл слишком долго", "Список кодов не пришёл целиком за отведённое время. Отправьте его заново."),
            en: ("Request took too long", "The code list did not arrive in full within the time allowed. Send it again."))
        public let busy = Problem.Code(
            "request.busy", .tooManyRequests,
            kk: ("Сервер бос емес", "Қазір тым көп кодтар тізімі қабылданып не өңделіп жатыр. Retry-After тақырыбында көрсетілген секундтан кейін қайталаңыз."),
            ru: ("Сервер занят", "Сейчас принимается или обрабатывается слишком много списков кодов. Повторите запрос через указанное в заголовке Retry-After число секунд."),
            en: ("Server busy", "Too many code lists are being received or run right now. Send the request again after the seconds given in Retry-After."))
        /// Anything the HTTP/1.1 parser refuses while reading a request: a bad request
        /// line, a chunk size that is not hexadecimal, two different `Content-Length`s,
        /// `Content-Length` beside `Transfer-Encoding: chunked`, a body cut off by the
        /// end of the connection, bytes that are not a request after one.
        public let malformedHTTP = Problem.Code(
            "request.malformed_http", .badRequest,
            kk: ("HTTP сұрауы оқылмады", "Сұрау HTTP/1.1 ретінде оқылмады (сұрау жолы, тақырыптар, ұзындық немесе бөліктер қате). Байланыс жабылады."),
            ru: ("Запрос HTTP не прочитан", "Запрос не читается как HTTP/1.1 (неверная строка запроса, заголовки, длина или разбиение на части). Соединение закрывается."),
            en: ("Malformed HTTP request", "The request cannot be read as HTTP/1.1 (bad request line, headers, length or chunking). The connection is closed."))
        /// A request head larger than the parser's limits.
        public let headersTooLarge = Problem.Code(
            "request.headers_too_large", .requestHeaderFieldsTooLarge,
            kk: ("Тақырыптар тым үлкен", "Сұрау тақырыптары рұқсат етілген өлшемнен асады. Байланыс жабылады."),
            ru: ("Заголовки слишком большие", "Заголовки запроса больше допустимого размера. Соединение закрывается."),
            en: ("Headers too large", "The request's headers are larger than allowed. The connection is closed."))
        /// A body that did not arrive in full within the time allowed for a body.
        public let bodyTimeout = Problem.Code(
            "request.body_timeout", .requestTimeout,
            kk: ("Сұрау денесі тым ұзақ келді", "Сұрау денесі рұқсат етілген уақыт ішінде толық келмеді. Байланыс жабылады."),
            ru: ("Тело запроса шло слишком долго", "Тело запроса не пришло целиком за отведённое время. Соединение закрывается."),
            en: ("Request body took too long", "The request body did not arrive in full within the time allowed. The connection is closed."))
        /// A client (an address without a token, or a token) past its request rate.
        public let rateLimited = Problem.Code(
            "request.rate_limited", .tooManyRequests,
            kk: ("Сұраулар тым жиі", "Бұл клиенттен сұраулар тым жиі келеді. Retry-After тақырыбында көрсетілген секундтан кейін қайталаңыз."),
            ru: ("Слишком частые запросы", "От этого клиента приходит слишком много запросов. Повторите через указанное в заголовке Retry-After число секунд."),
            en: ("Too many requests", "This client sends requests faster than allowed. Send the request again after the seconds given in Retry-After."))
        public let ndjsonLine = Problem.Code(
            "request.ndjson_line", .badRequest,
            kk: ("NDJSON жолы қате", "Әр жол {\"code\": \"...\"} нысаны немесе JSON жолы болуы керек."),
            ru: ("Неверная строка NDJSON", "Каждая строка — объект {\"code\": \"...\"} или строка JSON."),
            en: ("Invalid NDJSON line", "Each line is an object {\"code\": \"...\"} or a JSON string."))
        public let mediaType = Problem.Code(
            "request.media_type", .unsupportedMediaType,
            kk: ("Дене түрі қолдау көрсетілмейді", "application/json, text/plain немесе application/x-ndjson жіберіңіз."),
            ru: ("Тип тела не поддерживается", "Передайте application/json, text/plain или application/x-ndjson."),
            en: ("Unsupported media type", "Send application/json, text/plain or application/x-ndjson."))
        public let unknownRoute = Problem.Code(
            "route.unknown", .notFound,
            kk: ("Ресурс табылмады", "Мұндай API мекенжайы жоқ."),
            ru: ("Ресурс не найден", "Такого адреса API нет."),
            en: ("Not found", "There is no such API address."))
        public let invalidInput = Problem.Code(
            MarkingError.Code.invalidInput, .unprocessableContent,
            kk: ("Деректер қате", "Сұраудағы мән жарамсыз."),
            ru: ("Неверные данные", "Значение в запросе недопустимо."),
            en: ("Invalid input", "A value in the request is not acceptable."))
    }
}
