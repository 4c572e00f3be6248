import Hummingbird

extension Problem.Code {
    /// Problems of access, named as in `Problem(.auth.tokenMissing)`.
    public static let auth = ProblemCatalog.AuthProblems()
}

extension ProblemCatalog {
    /// Problems of access: a missing or invalid token, and a caller whose token or roles
    /// do not allow what it asks.
    ///
    /// Each code is declared here once with its status and texts; ``ProblemCatalog``
    /// reads them from this value's stored properties, so it knows a code by its wire
    /// string, and its test checks it, without a second list.
    public struct AuthProblems: Sendable {
        public let tokenMissing = Problem.Code(
            "auth.token_missing", .unauthorized,
            kk: ("Қол жеткізу токені қажет", "Authorization: Bearer <токен> тақырыбын жіберіңіз."),
            ru: ("Нужен токен доступа", "Передайте заголовок Authorization: Bearer <токен>."),
            en: ("Access token required", "Send the header Authorization: Bearer <token>."))
        public let tokenInvalid = Problem.Code(
            "auth.token_invalid", .unauthorized,
            kk: ("Токен жарамсыз", "Токен белгісіз немесе кері қайтарылған."),
            ru: ("Токен недействителен", "Токен неизвестен или отозван."),
            en: ("Invalid token", "The token is unknown or has been revoked."))
        public let adminOnly = Problem.Code(
            "auth.admin_only", .forbidden,
            kk: ("Әкімші құқықтары қажет", "Бұл әрекетті тек әкімші токенімен орындауға болады."),
            ru: ("Нужны права администратора", "Это действие доступно только с токеном администратора."),
            en: ("Administrator rights required", "Only the administrator token may do this."))
        public let participantOnly = Problem.Code(
            "auth.participant_only", .forbidden,
            kk: ("Қатысушы токені қажет", "Құжатты тек қатысушы өз атынан жібереді; әкімші токені жарамайды."),
            ru: ("Нужен токен участника", "Документ подаёт участник от своего имени; токен администратора не подходит."),
            en: ("Participant token required", "A document is submitted by a participant in its own name; the admin token cannot."))
        public let forbidden = Problem.Code(
            "auth.forbidden", .forbidden,
            kk: ("Қол жеткізуге тыйым салынған", "Бұл ресурс басқа қатысушыға тиесілі."),
            ru: ("Доступ запрещён", "Этот ресурс принадлежит другому участнику."),
            en: ("Access denied", "This resource belongs to another participant."))
        public let role = Problem.Code(
            "auth.role", .forbidden,
            kk: ("Рөл жеткіліксіз", "Қатысушының рөлі бұл әрекетке рұқсат бермейді (өндіруші немесе импорттаушы қажет)."),
            ru: ("Недостаточно прав роли", "Роль участника не позволяет это действие (нужен производитель или импортёр)."),
            en: ("Role not allowed", "The participant's roles do not allow this (producer or importer needed)."))
    }
}
