import NIOCore
import Synchronization

/// A token bucket per client: each client (an IP address, or a bearer token) may send
/// ``Rate/perSecond`` requests a second on average and ``Rate/burst`` at once; past
/// that it is told how many seconds to wait (`429 request.rate_limited` with
/// `Retry-After`).
///
/// Used on every request, by ``RateLimitMiddleware`` in the router and by
/// ``PublicCheckHandler`` for the checks it answers in the pipeline, so it must cost
/// next to nothing: a client is a 64-bit key (``key(_:)``, a hash seeded per
/// process, so keys cannot be chosen to collide with someone else's), the buckets
/// live in 16 shards each behind its own lock, and taking a request is a dictionary
/// lookup and a few arithmetic operations: no allocation once the client's bucket
/// exists. A shard holds at most ``maximumClientsPerShard`` buckets: past that the
/// buckets that have refilled (clients quiet for `burst / perSecond` seconds, which a
/// fresh bucket would equal) are dropped, and if none has, all of the shard's are.
public final class RateLimiter: Sendable {
    /// A sustained rate and a burst.
    public struct Rate: Sendable, Equatable {
        /// Requests a second on average.
        public var perSecond: Double
        /// Requests that may come at once after a quiet spell.
        public var burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = max(perSecond, 0.001)
            self.burst = max(burst, 1)
        }
    }

    /// One client's bucket: the tokens left when it was last taken from.
    struct Bucket {
        var tokens: Double
        var updated: UInt64
    }

    /// One lock's share of the buckets.
    final class Shard: Sendable {
        let buckets = Mutex<[UInt64: Bucket]>([:])
    }

    public static let maximumClientsPerShard = 4096
    private static let shardCount = 16

    /// The rate each client gets.
    public let rate: Rate
    private let shards: [Shard]
    private let seed: UInt64

    public init(rate: Rate) {
        self.rate = rate
        shards = (0..<Self.shardCount).map { _ in Shard() }
        seed = UInt64.random(in: .min ... .max)
    }

    /// The key of a client named by `text` (an IP address, a bearer secret): FNV-1a
    /// over its bytes from a per-process seed.
    public func key(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Takes one request from `key`'s bucket: `nil` when it may go ahead, or the whole
    /// seconds (at least 1) after which it would. `now` is in nanoseconds of a
    /// monotonic clock (the event loops' `NIODeadline`).
    public func take(_ key: UInt64, now: UInt64 = NIODeadline.now().uptimeNanoseconds) -> Int? {
        let rate = self.rate
        return shards[Int(key % UInt64(Self.shardCount))].buckets.withLock { buckets -> Int? in
            if buckets[key] == nil, buckets.count >= Self.maximumClientsPerShard { Self.evict(&buckets, now: now, rate: rate) }
            var bucket = buckets[key] ?? Bucket(tokens: rate.burst, updated: now)
            let elapsed = Double(now &- bucket.updated) / 1e9
            if now > bucket.updated { bucket.tokens = min(rate.burst, bucket.tokens + elapsed * rate.perSecond) }
            bucket.updated = max(now, bucket.updated)
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                let wait = (1 - bucket.tokens) / rate.perSecond
                return max(1, Int(wait.rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }

    /// The clients holding buckets now, over all shards (for tests).
    var clients: Int {
        shards.reduce(0) { total, shard in total + shard.buckets.withLock { $0.count } }
    }

    /// Drops the buckets that have refilled; all of them if none has.
    private static func evict(_ buckets: inout [UInt64: Bucket], now: UInt64, rate: Rate) {
        let refill = UInt64(rate.burst / rate.perSecond * 1e9)
        buckets = buckets.filter { now &- $0.value.updated < refill }
        if buckets.count >= maximumClientsPerShard { buckets.removeAll(keepingCapacity: true) }
    }
}

/// The request rates the server allows: per IP address for requests without a token
/// (the public: code checks, violation reports), per token for the rest. `nil` means
/// unlimited.
public struct RateLimits: Sendable, Equatable {
    public var anonymous: RateLimiter.Rate?
    public var token: RateLimiter.Rate?

    public init(anonymous: RateLimiter.Rate?, token: RateLimiter.Rate?) {
        self.anonymous = anonymous
        self.token = token
    }

    /// No limits: the default of a service made in code (tests, benchmarks).
    public static let unlimited = RateLimits(anonymous: nil, token: nil)

    /// `serve`'s defaults: a shop or a phone scanning labels sends a check every few
    /// seconds, so 20 a second per address (40 at once) leaves room for many behind
    /// one address; participants' systems send work in bulk, 500 a second per token.
    public static let serveDefault = RateLimits(
        anonymous: RateLimiter.Rate(perSecond: 20, burst: 40), token: RateLimiter.Rate(perSecond: 500, burst: 1000))
}
