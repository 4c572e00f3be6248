import Synchronization

/// A cap on the streamed code lists (`POST /documents` with a `text/plain` or
/// `application/x-ndjson` body) held in memory at once.
///
/// ``CodeListBody`` keeps a list whole, up to 1 GiB and its line offsets, from the
/// first byte received until the document's job has run: that is what lets the job
/// read it without a second pass. Nothing else bounds how many such lists a few
/// clients can make the server hold, so a slot is taken before the body is read and
/// given back when the job returns (or the request fails). A request finding every
/// slot taken is answered `429 request.busy` with `Retry-After`, never a 5xx: the
/// client did nothing wrong and can send the same document again later (its number
/// makes the retry idempotent).
public final class UploadSlots: Sendable {
    /// The default cap: four lists of up to 1 GiB each stay well inside the memory of
    /// the machine this runs on, and two cores run no more jobs than that usefully.
    public static let defaultLimit = 4
    /// The seconds a refused client is asked to wait (`Retry-After`).
    public static let retryAfterSeconds = 5

    /// How many lists may be held at once; 0 refuses every streamed document.
    public let limit: Int
    private let taken = Mutex(0)

    public init(limit: Int = UploadSlots.defaultLimit) {
        self.limit = max(0, limit)
    }

    /// The slots in use now.
    public var inUse: Int { taken.withLock { $0 } }

    /// Takes a slot: `true` when one was free. Each `true` must be matched by one
    /// ``release()``.
    public func acquire() -> Bool {
        taken.withLock { taken in
            guard taken < limit else { return false }
            taken += 1
            return true
        }
    }

    /// Gives back a slot taken by ``acquire()``.
    public func release() {
        taken.withLock { taken in
            assert(taken > 0, "an upload slot was given back twice")
            taken = max(0, taken - 1)
        }
    }

    /// The answer to a request that found every slot taken.
    public var busy: Problem {
        Problem(
            .request.busy, detail: "\(limit) streamed code lists are already being received or run; retry in \(Self.retryAfterSeconds) s",
            retryAfter: Self.retryAfterSeconds)
    }
}
