import Foundation
import MarkingCore

/// A store in its own temporary folder, removed when the test is done, so that tests
/// running in parallel never share state.
struct TemporaryStore {
    let folder: String

    init() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("emitter-test-\(UUID().uuidString)").path
    }

    func open() throws -> MarkingStore { try MarkingStore(dataFolder: folder) }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
