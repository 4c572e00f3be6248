import Hummingbird

extension Problem.Code {
    /// Problems with participants and their tokens, named as in `Problem(.participants.unknown)`.
    public static let participants = ProblemCatalog.ParticipantProblems()
}

extension ProblemCatalog {
    /// Problems with participants and their access tokens: registration fields, unknown
    /// participants and tokens, and the limit of active tokens.
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct ParticipantProblems: Sendable {
        public let unknown = Problem.Code(
            "participant.unknown", .notFound,
            kk: ("Қатысушы табылмады", "Мұндай нөмірлі қатысушы тіркелмеген."),
            ru: ("Участник не найден", "Участник с таким номером не зарегистрирован."),
            en: ("Participant not found", "No participant is registered with this id."))
        public let bin = Problem.Code(
            "participant.bin", .unprocessableContent,
            kk: ("БСН/ЖСН қате", "БСН немесе ЖСН — 12 цифр, соңғысы бақылау цифры."),
            ru: ("Неверный БИН/ИИН", "БИН или ИИН — 12 цифр, последняя из них контрольная."),
            en: ("Invalid BIN/IIN", "A BIN or IIN is 12 digits, the last being the check digit."))
        public let name = Problem.Code(
            "participant.name", .unprocessableContent,
            kk: ("Қатысушы атауы қате", "Атауы 1-ден 300-ге дейін таңбадан тұруы керек."),
            ru: ("Неверное наименование участника", "Наименование — от 1 до 300 символов."),
            en: ("Invalid participant name", "A name has 1 to 300 characters."))
        public let roles = Problem.Code(
            "participant.roles", .unprocessableContent,
            kk: ("Қатысушы рөлдері қате", "Кемінде бір рөл: producer, importer, wholesaler, retailer."),
            ru: ("Неверные роли участника", "Нужна хотя бы одна роль: producer, importer, wholesaler, retailer."),
            en: ("Invalid participant roles", "Give at least one role of producer, importer, wholesaler, retailer."))
        public let unknownToken = Problem.Code(
            "token.unknown", .notFound,
            kk: ("Токен табылмады", "Бұл қатысушының мұндай нөмірлі белсенді токені жоқ."),
            ru: ("Токен не найден", "У этого участника нет активного токена с таким номером."),
            en: ("Token not found", "This participant has no active token with this id."))
        public let tokenLimit = Problem.Code(
            "token.limit", .conflict,
            kk: ("Екі белсенді токен бар", "Жаңа токен шығармас бұрын ескісін кері қайтарыңыз."),
            ru: ("Уже два активных токена", "Отзовите старый токен, прежде чем выпускать новый."),
            en: ("Two tokens already active", "Revoke the old token before issuing a new one."))
    }
}
