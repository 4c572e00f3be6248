import Hummingbird

extension Problem.Code {
    /// Problems of access, named as in `Problem(.auth.tokenMissing)`.
    public static let auth = ProblemCatalog.AuthProblems()
}

extension ProblemCatalog {
    /// Problems of access: a missing or invalid token, and a caller whose token or roles
    /// do not allow what it asks.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct AuthProblems: Sendable {
        public let tokenMissing = Problem.Code("auth.token_missing", .unauthorized)
        public let tokenInvalid = Problem.Code("auth.token_invalid", .unauthorized)
        public let adminOnly = Problem.Code("auth.admin_only", .forbidden)
        public let participantOnly = Problem.Code("auth.participant_only", .forbidden)
        public let forbidden = Problem.Code("auth.forbidden", .forbidden)
        public let role = Problem.Code("auth.role", .forbidden)
    }
}
