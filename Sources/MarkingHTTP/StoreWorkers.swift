import Dispatch

/// Runs blocking store work (RocksDB reads and synced writes, emissions) on a
/// concurrent Dispatch queue, off the NIO event loops, and resumes the caller's task
/// with the result.
public struct StoreWorkers: Sendable {
    private let queue: DispatchQueue

    public init(label: String = "marking.http.store") {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
    }

    /// Runs `body` on the worker queue and returns what it returns or throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
