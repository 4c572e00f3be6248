import Hummingbird

extension Problem.Code {
    /// Problems with participants and their tokens, named as in `Problem(.participants.unknown)`.
    public static let participants = ProblemCatalog.ParticipantProblems()
}

extension ProblemCatalog {
    /// Problems with participants and their access tokens: registration fields, unknown
    /// participants and tokens, and the limit of active tokens.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct ParticipantProblems: Sendable {
        public let unknown = Problem.Code("participant.unknown", .notFound)
        public let bin = Problem.Code("participant.bin", .unprocessableContent)
        public let name = Problem.Code("participant.name", .unprocessableContent)
        public let roles = Problem.Code("participant.roles", .unprocessableContent)
        public let unknownToken = Problem.Code("token.unknown", .notFound)
        public let tokenLimit = Problem.Code("token.limit", .conflict)
    }
}
