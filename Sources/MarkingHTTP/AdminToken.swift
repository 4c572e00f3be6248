import Foundation
import MarkingCore

/// The administrator's bearer token: from `MARKING_ADMIN_TOKEN`, or generated on first
/// start into `DATA/admin-token` (mode 0600) and read from there afterwards.
///
/// Only its hash is kept in memory once loaded; the token itself is never logged.
public struct AdminToken: Sendable {
    /// Where the token came from.
    public enum Source: Sendable, Equatable {
        /// The `MARKING_ADMIN_TOKEN` environment variable.
        case environment
        /// A file in the data folder; `created` when this start wrote it.
        case file(path: String, created: Bool)
    }

    /// The environment variable that, when set and not empty, is the admin token.
    public static let environmentVariable = "MARKING_ADMIN_TOKEN"
    /// The token file's name inside the data folder.
    public static let fileName = "admin-token"

    public let source: Source
    let hash: [UInt8]

    /// An admin token given directly (tests, embedding).
    public init(secret: String, source: Source = .environment) {
        self.hash = BearerSecret(text: secret).hash
        self.source = source
    }

    /// Loads the admin token for `dataFolder`: the environment variable when set,
    /// otherwise the token file, created with a new random token when missing.
    public static func load(dataFolder: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AdminTokenError) -> AdminToken {
        if let secret = environment[environmentVariable]?.trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty {
            guard secret.utf8.count >= 16 else { throw AdminTokenError("\(environmentVariable) must be at least 16 characters long") }
            return AdminToken(secret: secret, source: .environment)
        }
        let path = (dataFolder as NSString).appendingPathComponent(fileName)
        if let data = FileManager.default.contents(atPath: path) {
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.utf8.count >= 16 else { throw AdminTokenError("the admin token file \(path) is empty or too short") }
            return AdminToken(secret: secret, source: .file(path: path, created: false))
        }
        let secret = BearerSecret.generate().text
        do {
            // Written whole and synced, folder included, and never over a file another
            // process just created (see ``SecretFile``).
            try SecretFile.write(Array((secret + "\n").utf8), to: path, mode: .create)
        } catch {
            throw AdminTokenError("cannot create the admin token file \(path): \(error.message)")
        }
        return AdminToken(secret: secret, source: .file(path: path, created: true))
    }

    /// Whether `secret` is the admin token.
    public func matches(_ secret: BearerSecret) -> Bool {
        BearerSecret.sameHash(secret.hash, hash)
    }

    /// One line for the log naming where the token is, never the token itself.
    public var logLine: String {
        switch source {
        case .environment: "admin token: from \(Self.environmentVariable)"
        case .file(let path, true): "admin token: generated into \(path) (mode 0600)"
        case .file(let path, false): "admin token: read from \(path)"
        }
    }
}

/// Why the admin token could not be loaded.
public struct AdminTokenError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
