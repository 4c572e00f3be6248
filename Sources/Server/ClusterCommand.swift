import ArgumentParser
import Cluster
import Foundation
import MarkingCore
import MarkingHTTP
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `marking-server cluster verify`: asks every replica for the digest of its registry
/// at one sequence and compares them.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Tools for a replicated cluster.", subcommands: [Verify.self, Trim.self])

    struct Trim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the log's changesets that every replica holds in a checkpoint (POST /registry/checkpoints on each first).")

        @Option(help: "The NATS servers, nats://HOST:PORT[,...].")
        var cluster: String

        @OptionGroup var access: ReplicaAccess

        struct Listing: Decodable { var latest: UInt64 }

        func run() async throws {
            let token = try access.token()
            var oldest = UInt64.max
            for base in try access.urls() {
                var request = URLRequest(url: URL(string: base + "/api/v1/registry/checkpoints")!)
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                let (body, response) = try await URLSession.shared.data(for: request)
                guard (response as? HTTPURLResponse)?.statusCode == 200, let listing = try? JSONDecoder().decode(Listing.self, from: body) else {
                    throw fail("\(base) did not list its checkpoints: \(String(decoding: body.prefix(200), as: UTF8.self))")
                }
                print("\(base)  latest checkpoint at \(listing.latest)")
                oldest = min(oldest, listing.latest)
            }
            guard oldest > 0, oldest < .max else { throw fail("every replica needs a checkpoint before the log is trimmed; nothing trimmed") }
            do {
                let log = try JetStreamLog(urls: cluster.split(separator: ",").map(String.init), name: "trim")
                defer { log.close() }
                try log.trim(through: oldest)
            } catch let error as ClusterError {
                throw fail(error.message)
            } catch let error as MarkingError {
                throw fail(error.message)
            }
            print("log trimmed through \(oldest)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the registry digests of the replicas at the same sequence; exit 0 when they are equal.")

        @OptionGroup var access: ReplicaAccess

        func run() async throws {
            let urls = try access.urls()
            guard urls.count >= 2 else { throw fail("--replicas needs at least two replicas to compare", code: 2) }
            let token = try access.token()
            var digests = try await urls.asyncMap { try await Self.digest(at: $0, token: token, atLeast: 0) }
            let target = digests.map(\.sequence).max() ?? 0
            for (index, url) in urls.enumerated() where digests[index].sequence < target {
                digests[index] = try await Self.digest(at: url, token: token, atLeast: target)
            }
            for (url, digest) in zip(urls, digests) {
                print("\(url)  node \(digest.node ?? "-")  sequence \(digest.sequence)  \(digest.digest)  keys \(digest.keyFingerprint ?? "-")")
            }
            // Checked first: replicas with other keys read each other's codes as forged,
            // whatever their registries hold.
            let rings = Dictionary(grouping: zip(urls, digests), by: { $0.1.keyFingerprint ?? "-" })
            guard rings.count == 1 else {
                let groups = rings.keys.sorted().map { ring in "keys \(ring): \(rings[ring]!.map(\.0).joined(separator: ", "))" }
                throw fail("the replicas' key files differ (\(groups.joined(separator: "; "))): give every replica the same key file")
            }
            let sequences = Set(digests.map(\.sequence)), values = Set(digests.map(\.digest))
            guard sequences.count == 1 else {
                throw fail("the replicas stand at different sequences (\(sequences.sorted())); writes went on meanwhile: run again")
            }
            guard values.count == 1 else { throw fail("the replicas differ at sequence \(target)") }
            print("equal at sequence \(target)")
        }

        struct Digest: Decodable {
            var node: String?
            var sequence: UInt64
            var digest: String
            /// `nil` from a replica of a version that did not show it.
            var keyFingerprint: String?
        }

        static func digest(at base: String, token: String, atLeast: UInt64) async throws -> Digest {
            var request = URLRequest(url: URL(string: base + "/api/v1/registry/digest")!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            if atLeast > 0 { request.setValue(String(atLeast), forHTTPHeaderField: "X-Registry-Min-Sequence") }
            request.timeoutInterval = 600
            let (body, response): (Data, URLResponse)
            do {
                (body, response) = try await URLSession.shared.data(for: request)
            } catch {
                throw fail("\(base) does not answer: \(error.localizedDescription)")
            }
            guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200,
                  let digest = try? JSONDecoder().decode(Digest.self, from: body)
            else {
                throw fail("\(base) answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: body.prefix(300), as: UTF8.self))")
            }
            return digest
        }
    }
}

/// The replicas a cluster command talks to, and the admin token it uses.
struct ReplicaAccess: ParsableArguments {
    @Option(help: "The replicas' base URLs, http://HOST:PORT[,http://HOST:PORT...].")
    var replicas: String

    @Option(help: "The admin token (default: $\(AdminToken.environmentVariable)).")
    var adminToken: String?

    func urls() throws -> [String] {
        let urls = replicas.split(separator: ",").map(String.init)
        for url in urls where URL(string: url)?.scheme?.hasPrefix("http") != true || URL(string: url)?.host == nil {
            throw fail("'\(url)' is not an http://HOST:PORT URL", code: 2)
        }
        return urls
    }

    func token() throws -> String {
        guard let token = adminToken ?? ProcessInfo.processInfo.environment[AdminToken.environmentVariable] else {
            throw fail("give --admin-token or set \(AdminToken.environmentVariable)", code: 2)
        }
        return token
    }
}

extension Array {
    /// The elements mapped one after the other by an async function.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

extension Replica: ReplicationStatus {}
