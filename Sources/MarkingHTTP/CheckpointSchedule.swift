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
            let outcome = await Task.detached { () -> Result<RegistryCheckpoints.Checkpoint, MarkingError> in
                do throws(MarkingError) {
                    let made = try checkpoints.make()
                    try checkpoints.prune(keeping: kept)
                    return .success(made)
                } catch {
                    return .failure(error)
                }
            }.value
            switch outcome {
            case .success(let checkpoint):
                logger.info("checkpoint written", metadata: ["sequence": "\(checkpoint.sequence)", "path": "\(checkpoint.path)"])
            case .failure(let error):
                logger.error("checkpoint failed, tried again in \(interval)", metadata: ["error": "\(error.message)"])
            }
        }
    }
}
