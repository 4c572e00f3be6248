import Foundation
import Hummingbird
import MarkingCore
import OwnershipBatch

/// `GET /packages/{label}` (its owner, admin): a package and what it holds — the units
/// and packages directly inside and the count of units at any depth (decree C4). The
/// label is an SSCC (`00` + 18 digits, in any scanner shape) or a group package's
/// marking code, percent-encoded like a code in `GET /codes/{code}`.
struct PackageRoutes {
    let service: MarkingService

    /// The most units listed in one answer; the counts are always whole.
    static let unitLimit = 10_000

    struct PackageAnswer: Encodable {
        var label: String
        var kind: String
        var owner: UInt32
        /// The label of the package this one sits in, if any.
        var parent: String?
        var createdAt: String
        /// Units directly inside, as human-readable CIS; at most ``unitLimit``.
        var units: [String]
        /// More units are directly inside than `units` lists.
        var unitsTruncated: Bool
        var packages: [Child]
        var directUnits: Int
        var totalUnits: Int

        struct Child: Encodable {
            var label: String
            var kind: String
            var units: Int
            var packages: Int
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("packages/{label}") { request, context in
            let caller = try await service.caller(of: request)
            guard let raw = context.parameters.get("label") else { throw Problem(.codes.empty) }
            let label = String(decoding: PercentDecoding.bytes(raw), as: UTF8.self)
            let jobs = service.jobs
            // One point read, then the caller is authorized, and only then is the tree
            // walked: a stranger's request never costs a walk of a large pallet.
            guard let record = try await service.blocking({ () throws -> PackageRecord? in try jobs.package(labelled: label) }) else {
                throw Problem(.documents.unknownPackage, detail: "no package is registered under '\(label)'")
            }
            try caller.requireAdminOrSelf(record.owner)
            let (contents, parent) = try await service.blocking { () throws -> (PackageContents, String?) in
                let parent = record.parent == 0 ? nil : try jobs.package(id: record.parent)?.label
                return (try jobs.contents(of: record), parent)
            }
            let package = contents.package
            return try JSONAnswer.response(PackageAnswer(
                label: package.label, kind: package.kind.rawValue, owner: package.owner, parent: parent,
                createdAt: JSONAnswer.timestamp(package.createdAt),
                units: contents.units.prefix(Self.unitLimit).map { "(01)\($0.gtin)(21)\($0.serial)" },
                unitsTruncated: contents.units.count > Self.unitLimit,
                packages: contents.packages.map { .init(label: $0.label, kind: $0.kind.rawValue, units: $0.units, packages: $0.packages) },
                directUnits: contents.units.count, totalUnits: contents.totalUnits))
        }
    }
}
