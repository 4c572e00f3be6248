import Emitter
import Foundation
import MarkingCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes blocks of codes to a file, or to standard output when no path is given.
///
/// Blocks arrive from the shard queues concurrently; the lock keeps each block whole.
///
/// The file is opened with `open(2)` (`O_WRONLY | O_CREAT | O_TRUNC`), following links
/// and writing into what is there: `FileManager.createFile` writes a temporary file and
/// renames it over the path, which replaces a device such as `/dev/null` (run as root)
/// or a symbolic link with a regular file.
final class FileSink: CodeSink {
    private let handle: Mutex<FileHandle>
    private let path: String?
    /// Whether the output is a regular file, which `close()` syncs (devices and pipes
    /// cannot be).
    private let isRegularFile: Bool

    init(path: String?) throws(MarkingError) {
        self.path = path
        guard let path else {
            handle = Mutex(FileHandle.standardOutput)
            isRegularFile = false
            return
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw MarkingError(.invalidInput, "output \(path) is a directory")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MarkingError(.invalidInput, "cannot open output file \(path): \(String(cString: strerror(errno)))")
        }
        guard fstat(descriptor, &status) == 0 else {
            Glibc.close(descriptor)
            throw MarkingError(.invalidInput, "cannot open output file \(path): \(String(cString: strerror(errno)))")
        }
        isRegularFile = status.st_mode & S_IFMT == S_IFREG
        handle = Mutex(FileHandle(fileDescriptor: descriptor, closeOnDealloc: true))
    }

    func consume(_ block: [UInt8]) throws {
        try handle.withLock { try $0.write(contentsOf: block) }
    }

    func close() throws(MarkingError) {
        do {
            try handle.withLock { file in
                if path != nil {
                    if isRegularFile { try file.synchronize() }
                    try file.close()
                }
            }
        } catch {
            throw MarkingError(.invalidInput, "cannot finish output file \(path ?? "stdout"): \(error)")
        }
    }
}
