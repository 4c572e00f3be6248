import Hummingbird
import MarkingCore

extension Problem.Code {
    /// Failures of the server itself (500), named as in `Problem(.server.store)`.
    public static let server = ProblemCatalog.ServerProblems()
}

extension ProblemCatalog.Entry {
    /// The one text of every failure of the server, `internal.error`'s own: nothing about
    /// its insides is told.
    fileprivate static let storeFailure = ProblemCatalog.Entry(.internalServerError, texts: "internal.error")
}

extension ProblemCatalog {
    /// Failures of the server itself, all answered as one 500 `internal.error` text (the
    /// store, its data folder, the key file, a changeset that cannot be read, any error
    /// no route turned into a problem), and two 503s with `Retry-After`: a replica behind
    /// the sequence asked for, and a replicated log electing a leader.
    ///
    /// Each code is declared here once with its status (its title and detail are the
    /// text catalogue's `problem.<code>.title` and `.detail`); ``ProblemCatalog`` reads
    /// them from this value's stored properties, so it knows a code by its wire string,
    /// and its test checks it, without a second list.
    public struct ServerProblems: Sendable {
        public let store = Problem.Code(MarkingError.Code.store, .storeFailure)
        public let dataFolder = Problem.Code(MarkingError.Code.dataFolder, .storeFailure)
        public let keyFile = Problem.Code(MarkingError.Code.keyFile, .storeFailure)
        public let unknownKey = Problem.Code(MarkingError.Code.unknownKey, .storeFailure)
        /// The store's key file is missing or another (the store refuses to open).
        public let keyFileMissing = Problem.Code(MarkingError.Code.keyFileMissing, .storeFailure)
        public let keyMismatch = Problem.Code(MarkingError.Code.keyMismatch, .storeFailure)
        /// A secret file (key ring, admin token) could not be written durably.
        public let fileWrite = Problem.Code(MarkingError.Code.fileWrite, .storeFailure)
        public let malformedChangeset = Problem.Code(MarkingError.Code.malformedChangeset, .storeFailure)
        /// The log was trimmed past this replica's position: an operator starts it from a checkpoint.
        public let logTrimmed = Problem.Code(MarkingError.Code.logTrimmed, .storeFailure)
        /// A replica that has not applied the sequence `X-Registry-Min-Sequence` asks for
        /// within 5 s: 503 with `Retry-After`, since another replica (or a retry) answers.
        public let registryLagging = Problem.Code("registry.lagging", .serviceUnavailable)
        /// The replicated log is electing a leader or out of reach: nothing was written;
        /// 503 with `Retry-After`, since the same request succeeds once it is back.
        public let logUnavailable = Problem.Code(MarkingError.Code.logUnavailable, .serviceUnavailable)
        public let internalError = Problem.Code("internal.error", .storeFailure)
    }
}
