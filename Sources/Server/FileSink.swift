import Emitter
import Foundation
import MarkingCore
import Synchronization

/// Writes blocks of codes to a file, or to standard output when no path is given.
///
/// Blocks arrive from the shard queues concurrently; the lock keeps each block whole.
final class FileSink: CodeSink {
    private let handle: Mutex<FileHandle>
    private let path: String?

    init(path: String?) throws(MarkingError) {
        self.path = path
        guard let path else {
            handle = Mutex(FileHandle.standardOutput)
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let file = FileHandle(forWritingAtPath: path)
        else {
            throw MarkingError(.invalidInput, "cannot create output file \(path)")
        }
        handle = Mutex(file)
    }

    func consume(_ block: [UInt8]) throws {
        try handle.withLock { try $0.write(contentsOf: block) }
    }

    func close() throws(MarkingError) {
        do {
            try handle.withLock { file in
                if path != nil {
                    try file.synchronize()
                    try file.close()
                }
            }
        } catch {
            throw MarkingError(.invalidInput, "cannot finish output file \(path ?? "stdout"): \(error)")
        }
    }
}
