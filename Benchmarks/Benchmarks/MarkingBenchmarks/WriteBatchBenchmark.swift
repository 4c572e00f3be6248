import Benchmark
import Foundation
import MarkingCore
import RocksDB

/// Emission's write path: 10,000 code records put into one ``WriteBatch`` (storage key
/// by ``CodeKey``, 48-byte ``CodeRecord``) and written, WAL on and not synced, into the
/// codes family of a real store, as the Emitter's record writer does with each chunk
/// (of 8,192 there).
///
/// Each iteration appends the next 10,000 counters, so the store grows as under an
/// order instead of overwriting the same keys; the batch is cleared and reused, as the
/// writer reuses it between chunks. A batch adds about 1 MB to the memtable and a run
/// makes some 100 of them, under the codes family's 256 MB, so no flush runs while it
/// is measured.
func registerWriteBatchBenchmark() {
    let store = TemporaryCodeStore()
    Benchmark(
        "WriteBatch-10k-records-build-and-write",
        configuration: .init(
            warmupIterations: 5,
            scalingFactor: .one,
            maxDuration: .seconds(2),
            thresholds: Tolerance.writeBatch,
            setup: { try store.open() },
            teardown: { store.remove() })
    ) { benchmark in
        do {
            try store.appendRecords(count: 10_000)
        } catch {
            benchmark.error("write failed: \(error)")
        }
    }
}

/// A store in a folder of its own under the temporary directory, open for one
/// benchmark and removed with everything in it afterwards.
///
/// Used only on the benchmark's own thread (setup, iterations, teardown run in turn).
final class TemporaryCodeStore {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("marking-benchmarks-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        .path
    private var store: MarkingStore?
    private let batch = WriteBatch()
    private let gtin = CodeCorpus.gtin
    private let serialLength = TemplateCatalog.standard.defaultTemplate.serialLength
    private let record = CodeRecord(
        status: .emitted, templateID: 1, keyID: CodeCorpus.keyID, owner: 1, producer: 1, order: 1,
        emittedAt: 1_795_352_980_113
    ).bytes
    private var nextCounter: UInt64 = 0

    func open() throws {
        store = try MarkingStore(dataFolder: folder)
    }

    /// Puts the records of the next `count` counters into the batch and writes it.
    func appendRecords(count: Int) throws {
        guard let store else { throw MarkingError(.store, "the benchmark store is not open") }
        let keyLength = CodeKey.length(forSerialLength: serialLength)
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: keyLength) { key in
            try record.withUnsafeBytes { record in
                for counter in nextCounter..<nextCounter + UInt64(count) {
                    let written = CodeKey.write(
                        gtin: gtin, serialLength: serialLength, preimage: UInt128(counter), to: key.baseAddress!)
                    batch.put(UnsafeRawBufferPointer(start: key.baseAddress!, count: written), record, in: store.families.codes)
                }
                try store.database.write(batch, sync: false)
            }
        }
        batch.clear()
        nextCounter += UInt64(count)
    }

    func remove() {
        store?.close()
        store = nil
        try? FileManager.default.removeItem(atPath: folder)
    }
}
