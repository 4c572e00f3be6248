import Synchronization

/// Records of codes read lately, kept in memory in front of RocksDB's point reads:
/// what lets a public check skip the store when the same code is checked again.
///
/// On a store of 10M codes a point read costs about 10 µs even when every block it
/// needs is cached (the memtables, then per level a filter partition, an index
/// partition and a data block, each behind a lock of the block cache): a third of the
/// server's CPU per check (`perf record` under `marking-bench http lookup`,
/// 2026-12-03). A slot here costs a hash and an uncontended lock.
///
/// Shape: sets of two slots, in ``shardCount`` shards with a lock each. A code's hash
/// picks its set; a new record goes into the set's first slot and the one there moves
/// to the second, dropping what the second held. Memory is bounded (``defaultSlots``;
/// a shard allocated when first filled) and there is no eviction policy to run. Two
/// ways rather than one: with one slot per code, a working set of a fifth of the slots
/// lost about a tenth of its codes to collisions, each one a full point read. Only
/// known codes are kept: a code the store does not know has no entry, so an emission,
/// which writes new keys only, never makes an entry wrong.
///
/// Coherence: ``Committer`` is the only writer of code records, and it brackets every
/// batch that writes some with ``beginWrite(_:)`` and ``endWrite()`` (the bench's
/// ceiling writes, outside the registry, with ``beginWriteOfAnyCode()``). Beginning a write
/// empties the slots of the codes it writes (all of them at once for a batch of more
/// than ``largeWrite`` codes) and stops fills until it ends. A fill is taken only when
/// no write began since the reader took its ``ticket()`` before reading the store, and
/// none is running: a record read before a write can never be filled after it, and
/// while a write is running its codes are read from the store, as without a cache.
final class RecordCache: Sendable {
    /// Shards, each with its own lock; a power of two.
    static let shardCount = 64
    /// Codes in a write above which the write empties every slot at once (an epoch
    /// step) instead of one slot per code.
    static let largeWrite = 4_096
    /// The default: 2^20 slots of 96 bytes (the code, 32 with padding; the record; the
    /// epoch), about 100 MiB once filled.
    static let defaultSlots = 1 << 20

    struct Slot {
        var ref: CodeRef
        var record: CodeRecord
        /// The ``RecordCache/epoch`` the slot was filled in; 0 for an empty slot.
        var epoch: UInt64
    }

    private final class Shard: Sendable {
        /// Empty until the first fill: a store that is never checked costs nothing.
        let slots = Mutex<[Slot]>([])
    }

    private let shards: [Shard]
    /// Sets of two slots per shard.
    private let setsPerShard: Int
    /// Steps on every write's beginning and end; a fill needs its reader's ticket.
    private let generation = Atomic<UInt64>(0)
    /// Writes begun and not yet ended; fills wait for none.
    private let running = Atomic<Int>(0)
    /// A slot counts only when filled in the current epoch: a large write empties
    /// every slot by stepping it.
    private let epoch = Atomic<UInt64>(1)

    /// A cache of about `slots` records (at least one set of two per shard).
    init(slots: Int = RecordCache.defaultSlots) {
        setsPerShard = max(1, slots / Self.shardCount / 2)
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    /// The cached record of `ref`, `nil` when it is not cached.
    func record(_ ref: CodeRef) -> CodeRecord? {
        let (shard, first) = place(ref)
        return shards[shard].slots.withLock { slots in
            guard first < slots.count else { return nil }
            let current = epoch.load(ordering: .acquiring)
            for index in first...(first + 1) where slots[index].epoch == current && slots[index].ref == ref {
                return slots[index].record
            }
            return nil
        }
    }

    /// The record of `ref` from its slot, or else from `read`, whose record is then kept:
    /// the one place the store's point reads take a ticket, read and fill, in that
    /// order. `read` answers as ``MarkingStore/recordInMemory(for:)`` does: `.some(nil)`
    /// for a code the store does not know (not kept), `nil` when it cannot tell.
    func record(_ ref: CodeRef, orRead read: () throws(MarkingError) -> CodeRecord??) throws(MarkingError) -> CodeRecord?? {
        if let cached = record(ref) { return cached }
        let ticket = ticket()
        let stored = try read()
        if case .some(.some(let record)) = stored { fill(ref, record, ticket: ticket) }
        return stored
    }

    /// What a reader takes before reading a record from the store, for ``fill(_:_:ticket:)``.
    func ticket() -> UInt64 { generation.load(ordering: .sequentiallyConsistent) }

    /// Keeps `record`, read from the store after `ticket()` returned `ticket`, unless
    /// a write began since or is running (then the record may already be old).
    func fill(_ ref: CodeRef, _ record: CodeRecord, ticket: UInt64) {
        let (shard, first) = place(ref)
        shards[shard].slots.withLock { slots in
            // The epoch first: a write steps the generation before the epoch, so a fill
            // that sees a new epoch also sees the write and is refused; one that sees
            // the old epoch tags the slot with it, and the step leaves the slot empty.
            // Under the shard's lock, a write that empties this slot one code at a
            // time either steps the generation before we look or empties it after.
            let current = epoch.load(ordering: .sequentiallyConsistent)
            guard running.load(ordering: .sequentiallyConsistent) == 0,
                generation.load(ordering: .sequentiallyConsistent) == ticket
            else { return }
            if slots.isEmpty {
                slots = [Slot](repeating: Slot(ref: ref, record: record, epoch: 0), count: setsPerShard * 2)
            }
            let filled = Slot(ref: ref, record: record, epoch: current)
            if slots[first + 1].ref == ref {
                slots[first + 1] = filled
            } else {
                if slots[first].epoch == current, slots[first].ref != ref { slots[first + 1] = slots[first] }
                slots[first] = filled
            }
        }
    }

    /// Called before a batch that writes `changeset`'s code records reaches the store:
    /// stops fills and empties the slots of those codes. Returns whether the batch
    /// writes code records at all; only then must ``endWrite()`` follow, once the batch
    /// is written (or failed).
    func beginWrite(_ changeset: Changeset) -> Bool {
        let codes = changeset.codeCount
        // Rules write codes only through code parts, but a changeset read from a log
        // is whatever its writer made: any other write to `codes` empties every slot.
        let otherwise = changeset.operations.contains { $0.family == .codes }
        guard codes > 0 || otherwise else { return false }
        if codes > Self.largeWrite || otherwise {
            beginWriteOfAnyCode()
            return true
        }
        running.add(1, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        for part in changeset.codeParts {
            part.forEach { key, _ in
                if let ref = CodeRef(key: key) { forget(ref) }
            }
        }
        return true
    }

    /// Called before a write that may change any code's record: stops fills and empties
    /// every slot at once. ``endWrite()`` must follow once it is written (or failed).
    func beginWriteOfAnyCode() {
        running.add(1, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        epoch.add(1, ordering: .sequentiallyConsistent)
    }

    /// Called once the batch announced by ``beginWrite(_:)`` is written: fills resume,
    /// for readers that take their ticket from now on.
    func endWrite() {
        generation.add(1, ordering: .sequentiallyConsistent)
        running.subtract(1, ordering: .sequentiallyConsistent)
    }

    private func forget(_ ref: CodeRef) {
        let (shard, first) = place(ref)
        shards[shard].slots.withLock { slots in
            guard first < slots.count else { return }
            for index in first...(first + 1) where slots[index].ref == ref { slots[index].epoch = 0 }
        }
    }

    /// The shard of `ref` and the first slot of its set: a multiplicative hash of its
    /// fields. The preimage is the serial under a keyed permutation, so callers cannot
    /// aim at one set.
    private func place(_ ref: CodeRef) -> (shard: Int, first: Int) {
        var hash = ref.gtin &* 0x9E37_79B9_7F4A_7C15
        hash ^= UInt64(truncatingIfNeeded: ref.preimage) &* 0xC2B2_AE3D_27D4_EB4F
        hash ^= UInt64(truncatingIfNeeded: ref.preimage >> 64) &* 0x1656_67B1_9E37_79F9
        hash ^= UInt64(ref.serialLength)
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        let shard = Int(hash & UInt64(Self.shardCount - 1))
        return (shard, 2 * Int((hash >> 6) % UInt64(setsPerShard)))
    }
}
