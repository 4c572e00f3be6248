import Synchronization

/// What a route tells the audit trail about its call that the middleware cannot see,
/// such as how many codes it carried. A reference shared by every copy of the request
/// context, so a note set by the route reaches the middleware that records the call.
final class AuditNote: Sendable {
    private let codes = Mutex<Int?>(nil)

    /// How many codes the call carried or produced, when known.
    var count: Int? {
        get { codes.withLock { $0 } }
        set { codes.withLock { $0 = newValue } }
    }
}
