import Dispatch
import Foundation
import Logging
import MarkingCore

/// Writes a checkpoint of the replica's registry every `interval` and keeps the newest
/// `kept` of them (`serve --checkpoint-every SECONDS --checkpoints-kept N`).
///
/// Why on a schedule: a replica rebuilt from empty starts from another's checkpoint
/// plus the log after it, and `marking-server cluster trim` purges the log only behind
/// every replica's latest checkpoint, so without fresh checkpoints the log grows for
/// ever. Older checkpoints than the kept ones are removed: trimming reads each
/// replica's latest, never an older one. A checkpoint hard-links the store's SST
/// files, so it costs little disk until compaction rewrites them.
public struct CheckpointSchedule: Sendable {
    public let interval: Duration
    public let kept: Int

    public init(interval: Duration, kept: Int) {
        self.interval = interval
        self.kept = max(1, kept)
    }

    /// Runs until the task is cancelled; a failed checkpoint is logged and tried again
    /// at the next tick, never fatal to the server.
    public func run(store: MarkingStore, logger: Logger) async {
        let checkpoints = RegistryCheckpoints(store: store)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            let kept = self.kept
            // A checkpoint blocks on the store's lock and the disk: on a thread of its
            // own, never on the cooperative pool the server's tasks share.
            let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<RegistryCheckpoints.Checkpoint, MarkingError>, Never>) in
                DispatchQueue.global(qos: .utility).async {
                    do throws(MarkingError) {
                        let made = try checkpoints.make()
                        try checkpoints.prune(keeping: kept)
                        continuation.resume(returning: .success(made))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            switch outcome {
            case .success(let checkpoint):
                logger.info("checkpoint written", metadata: ["sequence": "\(checkpoint.sequence)", "path": "\(checkpoint.path)"])
            case .failure(let error):
                logger.error("checkpoint failed, tried again in \(interval)", metadata: ["error": "\(error.message)"])
            }
        }
    }
}
