import Emitter
import Foundation
import MarkingCore
@testable import OwnershipBatch
import TestSupport
import Testing

/// The analytics counters (decree App. 3 C11, C12) are kept by the committer in the
/// batch of every change: after any mix of orders and documents they equal a full
/// recount of the code records, on the store that wrote them, after a restart, and
/// on another store that applied the same changesets.
@Suite("Analytics counts")
struct AnalyticsCountTests {
    /// What a scan of every code record finds: the truth the counters must match.
    struct Recount: Equatable {
        var statuses: [UInt32: StatusCounts] = [:]
        var gtins: [UInt32: [UInt64: StatusCounts]] = [:]
        var emittedPerDay: [UInt32: [UInt32: Int64]] = [:]

        init(_ store: MarkingStore) throws {
            for (key, value) in try store.entries(of: .codes) {
                let record = try #require(CodeRecord(value))
                let gtin = try #require(CodeKey.decode(key)).gtin.value
                for scope in [record.owner, 0] {
                    statuses[scope, default: StatusCounts()][record.status] += 1
                    gtins[scope, default: [:]][gtin, default: StatusCounts()][record.status] += 1
                }
                // Emission is counted for the producer, who owned every code when it was emitted.
                for scope in [record.producer, 0] {
                    emittedPerDay[scope, default: [:]][DayCounts.day(milliseconds: record.emittedAt), default: 0] += 1
                }
            }
        }

        /// The same figures read from the counters, for the scopes the recount found.
        init(counters store: MarkingStore, scopes: Set<UInt32>) throws {
            for scope in scopes {
                let analytics = scope == 0 ? AnalyticsScope.national : .participant(scope)
                let counts = try store.statusCounts(analytics)
                if counts.total != 0 { statuses[scope] = counts }
                for row in try store.gtinCounts(analytics) { gtins[scope, default: [:]][row.gtin.value] = row.counts }
                for day in try store.dayCounts(analytics, from: 0, through: .max) where day[.emitted] != 0 {
                    emittedPerDay[scope, default: [:]][day.day] = day[.emitted]
                }
            }
        }
    }

    /// Runs `rounds` random steps: orders of random size and GTIN to random
    /// participants, and documents of a random type over codes mostly fit for it (the
    /// sender's, in a status the type takes), now and then with a code that is not,
    /// so that some are refused; shipments accepted or rejected.
    /// Returns how many documents were refused and shipments accepted and rejected.
    @discardableResult
    private func randomMix(_ ledger: Ledger, seed: UInt64, rounds: Int) throws -> (refused: Int, accepted: Int, rejected: Int) {
        var tally = (refused: 0, accepted: 0, rejected: 0)
        var random = SeededGenerator(state: seed)
        let people = [ledger.producer, ledger.wholesaler, ledger.retailer]
        var codes: [String] = []
        let needs: [DocumentType: Set<CodeStatus>] = [
            .utilisation: [.emitted], .introduction: [.applied], .transfer: [.introduced], .retirement: [.introduced],
            .writeOff: [.emitted, .applied, .introduced], .retailReturn: [.retired],
        ]
        for _ in 0..<rounds {
            let actor = people.randomElement(using: &random)!
            let other = people.filter { $0.id != actor.id }.randomElement(using: &random)!
            let type = [DocumentType.utilisation, .introduction, .transfer, .transfer, .retirement, .writeOff, .retailReturn]
                .randomElement(using: &random)!
            var picked: [String] = []
            for _ in 0..<(codes.isEmpty ? 0 : 100) {
                let code = codes.randomElement(using: &random)!
                let record = try ledger.record(code)
                if record.owner == actor.id, needs[type]!.contains(record.status), !picked.contains(code) { picked.append(code) }
                if picked.count == 12 { break }
            }
            if !picked.isEmpty, Int.random(in: 0..<6, using: &random) == 0 { picked.append(codes.randomElement(using: &random)!) }
            picked = Array(Set(picked))
            if picked.isEmpty || Int.random(in: 0..<8, using: &random) == 0 {
                codes += try ledger.emit(Int.random(in: 1...15, using: &random), to: actor, gtin: Bool.random(using: &random) ? unitGTIN : groupGTIN)
                continue
            }
            switch type {
            case .transfer where Bool.random(using: &random):
                let shipment = try ledger.submit(.transfer, by: actor, picked, receiver: other, acceptance: true)
                if shipment.state == .waitAcceptance {
                    if Bool.random(using: &random) {
                        _ = try ledger.engine.accept(shipment.id, by: other.id)
                        tally.accepted += 1
                    } else {
                        _ = try ledger.engine.reject(shipment.id, by: other.id)
                        tally.rejected += 1
                    }
                } else {
                    tally.refused += 1
                }
            default:
                let reason = type == .retirement ? "RETAIL_SALE" : type == .writeOff ? "DAMAGED" : nil
                let document = try ledger.submit(type, by: actor, picked, receiver: type == .transfer ? other : nil, reason: reason)
                if document.state == .checkedNotOK { tally.refused += 1 }
            }
        }
        return tally
    }

    private func expectCountersMatchRecount(_ store: MarkingStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let recount = try Recount(store)
        let scopes = Set(recount.statuses.keys).union([0, 1, 2, 3])
        let counters = try Recount(counters: store, scopes: scopes)
        #expect(counters.statuses == recount.statuses, sourceLocation: sourceLocation)
        #expect(counters.gtins == recount.gtins, sourceLocation: sourceLocation)
        #expect(counters.emittedPerDay == recount.emittedPerDay, sourceLocation: sourceLocation)
        let byParticipant = Dictionary(uniqueKeysWithValues: try store.participantCounts().map { ($0.participant, $0.counts) })
        #expect(byParticipant == recount.statuses.filter { $0.key != 0 }, "the admin's table by participant", sourceLocation: sourceLocation)
    }

    @Test func countsEqualAFullRecountAfterARandomMixOfOrdersAndDocuments() throws {
        let recorded = ChangesetRecorder()
        let ledger = try Ledger(partThreshold: 8, observing: { recorded.add($0) })
        defer { ledger.close() }
        let mix = try randomMix(ledger, seed: 20_261_203, rounds: 240)
        #expect([mix.refused, mix.accepted, mix.rejected].allSatisfy { $0 > 0 }, "the mix refused documents and answered shipments both ways: \(mix)")
        #expect(try ledger.store.statusCounts(.national).total > 0)
        let national = try ledger.store.statusCounts(.national)
        #expect(CodeStatus.allCases.allSatisfy { national[$0] > 0 }, "the mix reached every status: \(national)")
        try expectCountersMatchRecount(ledger.store)

        // A store fed the same changesets (a replica) holds the same counts.
        let folder = temporaryFolder()
        let copy = try MarkingStore(dataFolder: folder, keyFile: ledger.folder + "/keys.json", options: smallStoreOptions)
        defer {
            copy.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
        for bytes in recorded.changesets { try copy.committer.apply(try Changeset(decoding: bytes)) }
        #expect(try copy.entries(of: .analytics) == ledger.store.entries(of: .analytics))
        #expect(try copy.digest() == ledger.store.digest())
    }

    @Test func eventsPerDayFollowTheDocuments() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let codes = try ledger.introduced(10)
        try ledger.expectOK(.transfer, by: ledger.producer, Array(codes[0..<6]), receiver: ledger.wholesaler)
        try ledger.expectOK(.retirement, by: ledger.wholesaler, Array(codes[0..<2]), reason: "RETAIL_SALE")
        let today = DayCounts.day(milliseconds: MarkingStore.now())
        func events(_ scope: AnalyticsScope) throws -> DayCounts {
            try #require(try ledger.store.dayCounts(scope, from: today - 1, through: today).last)
        }
        let producer = try events(.participant(ledger.producer.id))
        #expect([producer[.emitted], producer[.applied], producer[.introduced], producer[.shipped]] == [10, 10, 10, 6])
        let wholesaler = try events(.participant(ledger.wholesaler.id))
        #expect([wholesaler[.received], wholesaler[.retired], wholesaler[.emitted]] == [6, 2, 0])
        let national = try events(.national)
        #expect([national[.emitted], national[.shipped], national[.retired]] == [10, 6, 2])
        #expect(try ledger.store.statusCounts(.participant(ledger.producer.id))[.introduced] == 4)
    }

    @Test func countersSurviveARestart() throws {
        let folder = temporaryFolder()
        var ledger: Ledger? = try Ledger(folder: folder)
        try randomMix(ledger!, seed: 7, rounds: 40)
        let before = try ledger!.store.entries(of: .analytics)
        #expect(!before.isEmpty)
        ledger!.store.close()
        ledger = nil
        let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
        defer {
            store.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
        #expect(try store.entries(of: .analytics) == before)
        try expectCountersMatchRecount(store)
    }
}
