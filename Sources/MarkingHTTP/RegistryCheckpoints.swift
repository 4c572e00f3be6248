import Foundation
import MarkingCore

/// The checkpoints of a replica's store, under `DATA/checkpoints/SEQUENCE/db`: what a
/// new replica starts from (`serve --cluster ... --checkpoint DIR`) and what the log is
/// trimmed behind (`marking-server cluster trim`).
struct RegistryCheckpoints: Sendable {
    let store: MarkingStore

    /// One checkpoint: the applied sequence it holds and its folder.
    struct Checkpoint: Codable, Sendable, Equatable {
        var sequence: UInt64
        var path: String
    }

    /// The checkpoints, newest last, and the newest's sequence (0: none).
    struct Listing: Codable, Sendable {
        var checkpoints: [Checkpoint]
        var latest: UInt64
    }

    var folder: String { store.dataFolder + "/checkpoints" }

    /// Writes a checkpoint of the registry as it is now; one that holds the same
    /// sequence already is returned as it is.
    func make() throws(MarkingError) -> Checkpoint {
        let scratch = folder + "/.writing-\(UUID().uuidString)"
        let sequence = try store.checkpoint(into: scratch)
        let path = folder + "/\(sequence)"
        do {
            if FileManager.default.fileExists(atPath: path) {
                try FileManager.default.removeItem(atPath: scratch)
            } else {
                try FileManager.default.moveItem(atPath: scratch, toPath: path)
            }
        } catch {
            throw MarkingError(.store, "cannot keep checkpoint \(path): \(error)")
        }
        return Checkpoint(sequence: sequence, path: path)
    }

    /// Removes all but the newest `count` checkpoints.
    func prune(keeping count: Int) throws(MarkingError) {
        for old in try list().checkpoints.dropLast(count) {
            do {
                try FileManager.default.removeItem(atPath: old.path)
            } catch {
                throw MarkingError(.store, "cannot remove old checkpoint \(old.path): \(error)")
            }
        }
    }

    func list() throws(MarkingError) -> Listing {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let checkpoints = names.compactMap(UInt64.init).sorted().map { Checkpoint(sequence: $0, path: folder + "/\($0)") }
        return Listing(checkpoints: checkpoints, latest: checkpoints.last?.sequence ?? 0)
    }
}
