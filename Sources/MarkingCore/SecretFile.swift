import Foundation

/// Writes the small secret files of a data folder (the key ring, the admin token) so
/// that a crash leaves either no file, the old one or the new one, whole and on disk.
///
/// The bytes go to a temporary file created with mode 0600 (never readable by others,
/// not even for a moment), are synced, then take the final name, and the folder is
/// synced so the name itself survives a power cut. A new file takes its name with
/// `link(2)`, which fails when the name exists: creating a secret never replaces one
/// (two processes creating a key file at once cannot overwrite each other's keys).
public enum SecretFile {
    /// Whether the file is new or replaces the one at the path.
    public enum Mode: Sendable {
        /// Fails when a file is already at the path.
        case create
        /// Replaces the file at the path (a key rotation).
        case replace
    }

    /// Writes `bytes` to `path` as ``Mode`` says; `.file.write` naming the path and the
    /// system's reason when it cannot.
    public static func write(_ bytes: [UInt8], to path: String, mode: Mode) throws(MarkingError) {
        let temporary = path + ".new-\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(path) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(descriptor) == 0
        close(descriptor)
        guard synced else {
            let error = failure(path)
            unlink(temporary)
            throw error
        }
        switch mode {
        case .create:
            guard link(temporary, path) == 0 else {
                let error = errno == EEXIST ? MarkingError(.fileWrite, "\(path) already exists; it is not replaced") : failure(path)
                unlink(temporary)
                throw error
            }
            unlink(temporary)
        case .replace:
            guard rename(temporary, path) == 0 else {
                let error = failure(path)
                unlink(temporary)
                throw error
            }
        }
        try syncFolder(of: path)
    }

    /// Syncs the folder that holds `path`, so that a name just created or renamed in it
    /// is on disk.
    public static func syncFolder(of path: String) throws(MarkingError) {
        let folder = (path as NSString).deletingLastPathComponent
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(path) }
    }

    private static func failure(_ path: String) -> MarkingError {
        MarkingError(.fileWrite, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
