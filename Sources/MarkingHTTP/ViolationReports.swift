import Foundation
import MarkingCore

/// A report from the public of a suspected fake (decree C5: "send a message about a
/// violation"): the code as read, whether the store knows it, where and why.
public struct ViolationReport: Sendable, Codable, Equatable {
    public var id: UInt64
    /// UTC time with milliseconds, ISO 8601.
    public var time: String
    /// The code as sent, unparsed: a fake may not even be readable, and the report
    /// must keep what the reporter saw.
    public var code: String
    /// The GTIN and serial, when the code could be read.
    public var gtin: String?
    public var serial: String?
    /// Whether the store knows the code and its tail is right: `false` for a code that
    /// cannot be read.
    public var genuine: Bool
    /// Where the goods were seen (shop, address), as the reporter wrote it.
    public var place: String?
    public var comment: String?
    /// The client's IP address, as in the audit trail.
    public var ip: String
}

/// The violation reports, as JSON in the store's `violations` family under their id,
/// so a scan is in arrival order (key layout in MarkingCore's `ReferenceStorage.swift`).
public final class ViolationReports: Sendable {
    /// The most reports one read returns.
    public static let pageLimit = 1000

    let store: MarkingStore

    /// The most reports kept: a report is anonymous, and the family must not grow
    /// without bound however many are sent (the per-address rate limit bounds how fast).
    /// At a few hundred bytes each, a million reports are some hundreds of MB; the
    /// oldest beyond them are dropped, ``pruneEvery`` reports at a time. Reports are
    /// meant to be read (`GET /violations`) and acted on well before that.
    public let retained: UInt64
    /// How often, in reports, the oldest beyond ``retained`` are dropped.
    static let pruneEvery: UInt64 = 1000

    /// The default ``retained``.
    public static let defaultRetained: UInt64 = 1_000_000

    public init(store: MarkingStore, retained: UInt64 = ViolationReports.defaultRetained) {
        self.store = store
        self.retained = max(1, retained)
    }

    /// Stores `report` durably under a new id and returns it with the id set; every
    /// ``pruneEvery`` reports (``retained`` when fewer), drops those older than the
    /// newest ``retained`` in the same changeset.
    public func add(_ report: ViolationReport) throws(MarkingError) -> ViolationReport {
        try store.committer.commit { changeset throws(MarkingError) -> ViolationReport in
            var report = report
            report.id = try store.nextID(.violation, in: &changeset)
            if report.id % min(Self.pruneEvery, retained) == 0, report.id > retained { changeset.dropViolations(below: report.id - retained + 1) }
            do {
                changeset.putViolation(report.id, Array(try JSONEncoder().encode(report)))
            } catch {
                throw MarkingError(.store, "cannot store violation report: \(error)")
            }
            return report
        }.value
    }

    /// Up to `limit` reports with ids above `after`, oldest first.
    public func list(after: UInt64 = 0, limit: Int = pageLimit) throws(MarkingError) -> [ViolationReport] {
        let stored = try store.violations(after: after, limit: limit)
        do {
            let decoder = JSONDecoder()
            return try stored.map { try decoder.decode(ViolationReport.self, from: Data($0)) }
        } catch {
            throw MarkingError(.store, "cannot read violation reports: \(error)")
        }
    }
}
