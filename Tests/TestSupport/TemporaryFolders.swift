import Foundation
import MarkingCore
import RocksDB

/// A fresh path under the temporary directory, not yet created. Every test takes its own,
/// because Swift Testing runs tests in parallel and two tests must never share a folder;
/// the caller removes it (`defer { try? FileManager.default.removeItem(atPath: folder) }`).
public func temporaryFolder() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("marking-test-\(UUID().uuidString)", isDirectory: true).path
}

/// Runs `body` with a fresh, empty directory that is removed afterwards, so a test cannot
/// forget to clean up; one each, because Swift Testing runs tests in parallel.
public func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let folder = try createdTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// Runs the asynchronous `body` with a fresh, empty directory that is removed afterwards:
/// the same as the synchronous one, for tests that await.
public func withTemporaryDirectory<R>(
    isolation: isolated (any Actor)? = #isolation, _ body: (String) async throws -> R
) async throws -> R {
    let folder = try createdTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try await body(folder)
}

private func createdTemporaryFolder() throws -> String {
    let folder = temporaryFolder()
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

/// Small caches and memtables for test databases and stores: many are open at once (one
/// per test running in parallel), and RocksDB's defaults would take memory for each.
public var smallStoreOptions: DatabaseOptions {
    var options = DatabaseOptions()
    options.blockCacheSize = 4 << 20
    options.bulkWriteBufferSize = 4 << 20
    options.backgroundJobs = 1
    return options
}

/// A store's data folder of its own under the temporary directory, so that tests running
/// in parallel never share state; the test opens the store in it (again after closing it,
/// to see what survives a restart) and calls ``remove()`` when done.
public struct TemporaryStore: Sendable {
    /// The data folder (created when a store is first opened in it).
    public let folder: String

    /// Takes a fresh folder; nothing is created yet.
    public init() { folder = temporaryFolder() }

    /// Opens the store in the folder, creating it on first use. `options` are RocksDB's
    /// defaults unless a test passes others (``smallStoreOptions`` when many are open).
    public func open(options: DatabaseOptions = .init()) throws -> MarkingStore {
        try MarkingStore(dataFolder: folder, options: options)
    }

    /// Deletes the folder and everything in it; the store must be closed first.
    public func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
