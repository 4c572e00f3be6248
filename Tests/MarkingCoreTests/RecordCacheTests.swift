import Foundation
import Synchronization
@testable import MarkingCore
import TestSupport
import Testing

/// The records kept in memory for checks never answer with a record a committed write
/// replaced, and stay within their slots.
@Suite("Record cache")
struct RecordCacheTests {
    private let gtin = GTIN(uncheckedValue: 4_607_000_000_014)

    private func ref(_ preimage: Int) -> CodeRef {
        CodeRef(gtin: gtin, serialLength: 13, preimage: UInt128(preimage))
    }

    private func record(owner: UInt32, status: CodeStatus = .introduced) -> CodeRecord {
        CodeRecord(status: status, templateID: 1, keyID: "K001", owner: owner, producer: 1, order: 3, emittedAt: 1_764_000_000_000)
    }

    /// A changeset that writes the records of `preimages`.
    private func writing(_ preimages: some Sequence<Int>, owner: UInt32 = 9) -> Changeset {
        var part = CodeWrites()
        for preimage in preimages { part.put(ref(preimage), record(owner: owner), replacing: nil) }
        var changeset = Changeset()
        changeset.append(part)
        return changeset
    }

    @Test func aFilledRecordIsAnsweredAndAnotherCodeIsNot() {
        let cache = RecordCache(slots: 1 << 12)
        cache.fill(ref(1), record(owner: 4), ticket: cache.ticket())
        #expect(cache.record(ref(1)) == record(owner: 4))
        #expect(cache.record(ref(2)) == nil)
    }

    @Test func aWriteEmptiesTheSlotsOfItsCodesOnly() {
        let cache = RecordCache(slots: 1 << 12)
        cache.fill(ref(1), record(owner: 4), ticket: cache.ticket())
        cache.fill(ref(2), record(owner: 5), ticket: cache.ticket())
        #expect(cache.beginWrite(writing([1])))
        #expect(cache.record(ref(1)) == nil)
        #expect(cache.record(ref(2)) == record(owner: 5))
        cache.endWrite()
    }

    @Test func aLargeWriteEmptiesEverySlot() {
        let cache = RecordCache(slots: 1 << 12)
        cache.fill(ref(1), record(owner: 4), ticket: cache.ticket())
        #expect(cache.beginWrite(writing(1_000...(1_000 + RecordCache.largeWrite))))
        cache.endWrite()
        #expect(cache.record(ref(1)) == nil)
        cache.fill(ref(1), record(owner: 6), ticket: cache.ticket())
        #expect(cache.record(ref(1)) == record(owner: 6))
    }

    @Test func aRecordReadBeforeAWriteIsNotFilledAfterIt() {
        let cache = RecordCache(slots: 1 << 12)
        let ticket = cache.ticket()
        #expect(cache.beginWrite(writing([1])))
        cache.endWrite()
        cache.fill(ref(1), record(owner: 4), ticket: ticket)
        #expect(cache.record(ref(1)) == nil)
    }

    @Test func nothingIsFilledWhileAWriteRuns() {
        let cache = RecordCache(slots: 1 << 12)
        #expect(cache.beginWrite(writing([7])))
        let during = cache.ticket()
        cache.fill(ref(1), record(owner: 4), ticket: during)
        #expect(cache.record(ref(1)) == nil)
        cache.endWrite()
        cache.fill(ref(1), record(owner: 4), ticket: during)
        #expect(cache.record(ref(1)) == nil)
        cache.fill(ref(1), record(owner: 4), ticket: cache.ticket())
        #expect(cache.record(ref(1)) == record(owner: 4))
    }

    @Test func aChangesetWithoutCodesIsNotAWriteOfRecords() {
        let cache = RecordCache(slots: 1 << 12)
        var changeset = Changeset()
        changeset.putDocument(7, Array(#"{"id":7}"#.utf8))
        #expect(!cache.beginWrite(changeset))
        cache.fill(ref(1), record(owner: 4), ticket: cache.ticket())
        #expect(cache.record(ref(1)) == record(owner: 4))
    }

    @Test func aWriteToCodesOutsideCodePartsEmptiesEverySlot() {
        let cache = RecordCache(slots: 1 << 12)
        cache.fill(ref(1), record(owner: 4), ticket: cache.ticket())
        var changeset = Changeset()
        changeset.put(ref(2).key, record(owner: 5).bytes, in: .codes)
        #expect(cache.beginWrite(changeset))
        cache.endWrite()
        #expect(cache.record(ref(1)) == nil)
    }

    @Test func theCacheHoldsAtMostItsSlots() {
        let slots = RecordCache.shardCount * 2
        let cache = RecordCache(slots: slots)
        for preimage in 0..<5_000 { cache.fill(ref(preimage), record(owner: UInt32(preimage)), ticket: cache.ticket()) }
        let held = (0..<5_000).filter { cache.record(ref($0)) == record(owner: UInt32($0)) }
        #expect(held.count <= slots)
        #expect(held.count > slots / 4)
        #expect(cache.record(ref(4_999)) == record(owner: 4_999))
    }

    @Test func aWorkingSetOfAFifthOfTheSlotsIsAlmostAllHeld() {
        let cache = RecordCache(slots: 1 << 14)
        let working = (1 << 14) / 5
        for preimage in 0..<working { cache.fill(ref(preimage * 7_919), record(owner: 1), ticket: cache.ticket()) }
        let held = (0..<working).filter { cache.record(ref($0 * 7_919)) != nil }.count
        // One slot per code would keep about 91 %; two ways keep about 98 %.
        #expect(Double(held) >= 0.96 * Double(working))
    }

    /// Through the store: the record a check read before a committed change is never
    /// what it reads after it, from memory or not.
    @Test func aCheckAfterACommittedChangeSeesTheChange() throws {
        try withTemporaryDirectory { folder in
            let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
            defer { store.close() }
            let cis = store.cis(for: ref(41))
            try store.committer.commit { (changeset: inout Changeset) throws(MarkingError) in
                changeset.putCode(ref(41), record(owner: 4), replacing: nil)
            }
            #expect(try store.record(for: cis) == record(owner: 4))
            #expect(try store.recordInMemory(for: cis) == .some(record(owner: 4)))
            try store.committer.commit { (changeset: inout Changeset) throws(MarkingError) in
                changeset.putCode(ref(41), record(owner: 8, status: .retired), replacing: record(owner: 4))
            }
            #expect(try store.recordInMemory(for: cis) == .some(record(owner: 8, status: .retired)))
            #expect(try store.record(for: cis) == record(owner: 8, status: .retired))
        }
    }
}

/// Readers racing a writer: a read that starts after a commit returned never sees a
/// record older than that commit's, whether the commit empties its codes' slots one by
/// one or every slot at once.
@Suite("Record cache under concurrent writes")
struct RecordCacheRaceTests {
    @Test func noReadStartedAfterACommitSeesAnOlderRecord() throws {
        try race(commits: 300, codesPerCommit: 1)
    }

    @Test func noReadStartedAfterALargeCommitSeesAnOlderRecord() throws {
        try race(commits: 60, codesPerCommit: RecordCache.largeWrite + 1)
    }

    /// Two reader threads read one code over and over while `commits` commits each
    /// write it (owner 1, 2, ...) with `codesPerCommit - 1` other codes; counts the
    /// reads that returned an owner below the last commit finished before they began.
    private func race(commits: UInt32, codesPerCommit: Int) throws {
        try withTemporaryDirectory { folder in
            let store = try MarkingStore(dataFolder: folder, options: smallStoreOptions)
            defer { store.close() }
            let gtin = GTIN(uncheckedValue: 4_607_000_000_014)
            let watched = CodeRef(gtin: gtin, serialLength: 13, preimage: 77)
            let cis = store.cis(for: watched)
            func record(_ owner: UInt32) -> CodeRecord {
                CodeRecord(status: .introduced, templateID: 1, keyID: "K001", owner: owner, producer: 1, order: 3, emittedAt: 1)
            }
            let committed = Atomic<UInt32>(0)
            let stale = Atomic<Int>(0)
            let done = DispatchGroup()
            for _ in 0..<2 {
                done.enter()
                Thread {
                    while committed.load(ordering: .acquiring) < commits {
                        let floor = committed.load(ordering: .acquiring)
                        let owner = (try? store.record(for: cis))??.owner ?? 0
                        let inMemory = (try? store.recordInMemory(for: cis))???.owner ?? floor
                        if owner < floor || inMemory < floor { stale.add(1, ordering: .relaxed) }
                    }
                    done.leave()
                }.start()
            }
            for owner in UInt32(1)...commits {
                try store.committer.commit(.buffered) { (changeset: inout Changeset) throws(MarkingError) in
                    var part = CodeWrites()
                    for other in 1..<codesPerCommit {
                        part.put(CodeRef(gtin: gtin, serialLength: 13, preimage: UInt128(1_000 + other)), record(owner), replacing: nil)
                    }
                    changeset.append(part)
                    changeset.putCode(watched, record(owner), replacing: owner == 1 ? nil : record(owner - 1))
                }
                committed.store(owner, ordering: .releasing)
            }
            done.wait()
            #expect(stale.load(ordering: .relaxed) == 0)
        }
    }
}
