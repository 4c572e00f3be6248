import Foundation
import TestSupport
import Testing

@testable import RocksDB

private let testFamilies = [
    ColumnFamilyDescriptor(name: "codes", profile: .bulk),
    ColumnFamilyDescriptor(name: "meta"),
]

private func openDatabase(in folder: String) throws -> Database {
    try Database(path: folder + "/db", families: testFamilies, options: smallStoreOptions)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func collect(_ cursor: Cursor) throws -> [[UInt8]] {
    var keys: [[UInt8]] = []
    while cursor.isValid {
        keys.append(cursor.key)
        cursor.next()
    }
    try cursor.checkStatus()
    return keys
}

@Suite("RocksDB database")
struct DatabaseTests {
    @Test func missingKeyReadsAsNilNotEmpty() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            try database.put(bytes("present"), bytes("value"), in: codes, sync: false)
            let value = try database.get(bytes("absent"), in: codes)
            #expect(value == nil)
            let seenByBody = try database.withValue(forKey: bytes("absent"), in: codes) { $0 == nil }
            #expect(seenByBody)
        }
    }

    @Test func memoryOnlyReadAnswersFromMemoryAndDeclinesWhenAFileIsNeeded() throws {
        try withTemporaryDirectory { folder in
            do {
                let database = try openDatabase(in: folder)
                let codes = try database.family("codes")
                try database.put(bytes("flushed"), bytes("on disk"), in: codes, sync: true)
                try database.flush(codes)
                database.close()
            }
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            try database.put(bytes("fresh"), bytes("in memtable"), in: codes, sync: false)
            #expect(try database.withValueInMemory(forKey: bytes("fresh"), in: codes) { $0.map { Array($0) } } == .some(bytes("in memtable")))
            // A fresh open has an empty block cache: the flushed value needs its file.
            #expect(try database.withValueInMemory(forKey: bytes("flushed"), in: codes) { $0.map { Array($0) } } == nil)
            #expect(try database.get(bytes("flushed"), in: codes) == bytes("on disk"))
            // The normal read brought the block into the cache.
            #expect(try database.withValueInMemory(forKey: bytes("flushed"), in: codes) { $0.map { Array($0) } } == .some(bytes("on disk")))
        }
    }

    @Test func putThenGetReturnsTheSameBytes() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            let key: [UInt8] = [0x00, 0x01, 0xFF, 0x7F, 0x00]
            let value: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try database.put(key, value, in: codes, sync: true)
            #expect(try database.get(key, in: codes) == value)
            // The same key in another family is a different entry.
            #expect(try database.get(key, in: database.family("meta")) == nil)
            // Overwriting replaces the value.
            try database.put(key, [42], in: codes, sync: false)
            #expect(try database.get(key, in: codes) == [42])
        }
    }

    @Test func emptyValueReadsAsEmptyArrayNotNil() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let meta = try database.family("meta")
            try database.put(bytes("empty"), [], in: meta, sync: false)
            let value = try database.get(bytes("empty"), in: meta)
            let stored = try #require(value)
            #expect(stored.isEmpty)
            let countSeenByBody = try database.withValue(forKey: bytes("empty"), in: meta) { $0?.count }
            #expect(countSeenByBody == 0)
        }
    }

    @Test func unknownColumnFamilyIsAnError() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let error = #expect(throws: DatabaseError.self) { try database.family("nope") }
            #expect(error?.code == .unknownColumnFamily)
        }
    }

    @Test func writeBatchAppliesPutsAndDeletesTogether() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            let meta = try database.family("meta")
            try database.put(bytes("old"), bytes("1"), in: codes, sync: false)

            let batch = WriteBatch()
            batch.put(bytes("new"), bytes("2"), in: codes)
            batch.put(bytes("counter"), bytes("7"), in: meta)
            batch.delete(bytes("old"), in: codes)
            #expect(batch.count == 3)
            // Nothing of the batch is visible before it is written.
            #expect(try database.get(bytes("new"), in: codes) == nil)
            #expect(try database.get(bytes("old"), in: codes) == bytes("1"))

            try database.write(batch, sync: true)
            #expect(try database.get(bytes("new"), in: codes) == bytes("2"))
            #expect(try database.get(bytes("counter"), in: meta) == bytes("7"))
            #expect(try database.get(bytes("old"), in: codes) == nil)

            batch.clear()
            #expect(batch.count == 0)
        }
    }

    @Test func writeBatchIsNeverSeenHalfApplied() async throws {
        try await withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let meta = try database.family("meta")
            let rounds = 2000
            try database.put(bytes("a"), [0, 0], in: meta, sync: false)
            try database.put(bytes("b"), [0, 0], in: meta, sync: false)

            let writer = Task.detached {
                for round in 1...rounds {
                    let value = [UInt8(truncatingIfNeeded: round >> 8), UInt8(truncatingIfNeeded: round)]
                    let batch = WriteBatch()
                    batch.put(bytes("a"), value, in: meta)
                    batch.put(bytes("b"), value, in: meta)
                    try database.write(batch, sync: false)
                }
            }
            let reader = Task.detached { () -> Int in
                var torn = 0
                var last: [UInt8] = [0, 0]
                let final = [UInt8(truncatingIfNeeded: rounds >> 8), UInt8(truncatingIfNeeded: rounds)]
                // Bounded in time so that a failing writer cannot hang the test.
                let deadline = ContinuousClock.now + .seconds(60)
                while last != final, ContinuousClock.now < deadline {
                    let snapshot = try Snapshot(of: database)
                    let a = try database.get(bytes("a"), in: meta, snapshot: snapshot)
                    let b = try database.get(bytes("b"), in: meta, snapshot: snapshot)
                    if a != b { torn += 1 }
                    last = a ?? []
                }
                return torn
            }
            try await writer.value
            let torn = try await reader.value
            #expect(torn == 0)
        }
    }

    @Test func multiGetReturnsValuesInInputOrderWithNilForMissingKeys() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            for index in 0..<50 where index % 3 != 0 {
                try database.put(bytes("key\(index)"), bytes("value\(index)"), in: codes, sync: false)
            }
            try database.put(bytes("emptyvalue"), [], in: codes, sync: false)
            // Deliberately not sorted, with a duplicate and an empty value.
            let requested = [17, 3, 49, 0, 25, 17, 1, 48, 30, 2].map { "key\($0)" } + ["emptyvalue", "zzz"]
            var keys = KeyList(capacity: requested.count, keyLength: 6)
            for key in requested { keys.append(bytes(key)) }
            #expect(keys.count == requested.count)
            #expect(Array(keys[2]) == bytes("key49"))

            var results = [[UInt8]?](repeating: [0xEE], count: requested.count)
            var calls: [Int] = []
            try database.multiGet(keys, in: codes) { index, value in
                calls.append(index)
                results[index] = value.map { Array($0) }
            }
            #expect(calls == Array(0..<requested.count))
            let expected: [[UInt8]?] = requested.map { key in
                if key == "emptyvalue" { return [] }
                guard let number = Int(key.dropFirst(3)), number % 3 != 0 else { return nil }
                return bytes("value\(number)")
            }
            #expect(results == expected)
            #expect(results[3] == nil)
            #expect(results[10] == [])
        }
    }

    @Test func multiGetOfSortedKeysMatchesPointReads() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            for index in stride(from: 0, to: 200, by: 2) {
                try database.put([0, UInt8(index)], [UInt8(index), 1], in: codes, sync: false)
            }
            try database.flush(codes)
            var keys = KeyList()
            for index in 0..<200 { keys.append([0, UInt8(index)]) }
            var results = [[UInt8]?](repeating: nil, count: 200)
            try database.multiGet(keys, in: codes, sorted: true) { index, value in results[index] = value.map { Array($0) } }
            for index in 0..<200 {
                #expect(try results[index] == database.get([0, UInt8(index)], in: codes))
            }
            #expect(results.compactMap { $0 }.count == 100)
        }
    }

    @Test func cursorYieldsOnlyKeysInsideItsBoundsInOrder() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            let all: [[UInt8]] = [
                [0x01], [0x01, 0xFF], [0x02], [0x02, 0x00], [0x02, 0x00, 0x00], [0x02, 0x7F],
                [0x02, 0xFF, 0xFF], [0x03], [0x03, 0x00], [0x04],
            ]
            // Written in shuffled order, part of them flushed to an SST file.
            for (index, key) in all.reversed().enumerated() {
                try database.put(key, [UInt8(index)], in: codes, sync: false)
                if index == 4 { try database.flush(codes) }
            }
            let bounded = try Cursor(database, family: codes, from: [0x02], to: [0x03])
            #expect(try collect(bounded) == [[0x02], [0x02, 0x00], [0x02, 0x00, 0x00], [0x02, 0x7F], [0x02, 0xFF, 0xFF]])

            let lowerOnly = try Cursor(database, family: codes, from: [0x03])
            #expect(try collect(lowerOnly) == [[0x03], [0x03, 0x00], [0x04]])

            let upperOnly = try Cursor(database, family: codes, to: [0x02])
            #expect(try collect(upperOnly) == [[0x01], [0x01, 0xFF]])

            let everything = try Cursor(database, family: codes)
            #expect(try collect(everything) == all)

            // Seeking below the lower bound stays inside the bounds.
            let seeking = try Cursor(database, family: codes, from: [0x02, 0x01], to: [0x03])
            seeking.seek([0x00])
            #expect(seeking.isValid)
            #expect(seeking.key == [0x02, 0x7F])

            let empty = try Cursor(database, family: codes, from: [0x05], to: [0x06])
            #expect(!empty.isValid)
        }
    }

    @Test func cursorReturnsTheValueOfEachKey() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let meta = try database.family("meta")
            for index in 0..<10 {
                try database.put([UInt8(index)], bytes("v\(index)"), in: meta, sync: false)
            }
            let cursor = try Cursor(database, family: meta, from: [3], to: [6])
            var pairs: [String] = []
            while cursor.isValid {
                pairs.append("\(cursor.key[0])=\(String(decoding: cursor.value, as: UTF8.self))")
                cursor.next()
            }
            #expect(pairs == ["3=v3", "4=v4", "5=v5"])
        }
    }

    @Test func snapshotDoesNotSeeLaterWrites() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            try database.put(bytes("k1"), bytes("before"), in: codes, sync: false)
            try database.put(bytes("k2"), bytes("doomed"), in: codes, sync: false)
            let snapshot = try Snapshot(of: database)

            try database.put(bytes("k1"), bytes("after"), in: codes, sync: false)
            let batch = WriteBatch()
            batch.delete(bytes("k2"), in: codes)
            batch.put(bytes("k3"), bytes("new"), in: codes)
            try database.write(batch, sync: false)

            #expect(try database.get(bytes("k1"), in: codes, snapshot: snapshot) == bytes("before"))
            #expect(try database.get(bytes("k2"), in: codes, snapshot: snapshot) == bytes("doomed"))
            #expect(try database.get(bytes("k3"), in: codes, snapshot: snapshot) == nil)
            #expect(try database.get(bytes("k1"), in: codes) == bytes("after"))
            #expect(try database.get(bytes("k2"), in: codes) == nil)

            var keys = KeyList()
            for key in ["k1", "k2", "k3"] { keys.append(bytes(key)) }
            var values: [[UInt8]?] = [nil, nil, nil]
            try database.multiGet(keys, in: codes, snapshot: snapshot) { index, value in values[index] = value.map { Array($0) } }
            #expect(values == [bytes("before"), bytes("doomed"), nil])

            let cursor = try Cursor(database, family: codes, snapshot: snapshot)
            #expect(try collect(cursor) == [bytes("k1"), bytes("k2")])
        }
    }

    @Test func openingARegularFileFailsWithOpenError() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/not-a-directory"
            #expect(FileManager.default.createFile(atPath: path, contents: Data("hello".utf8)))
            let error = #expect(throws: DatabaseError.self) {
                try Database(path: path, families: testFamilies, options: smallStoreOptions)
            }
            #expect(error?.code == .open)
            #expect(error?.message.contains(path) == true)
            // The file is left alone.
            #expect(FileManager.default.contents(atPath: path) == Data("hello".utf8))
        }
    }

    @Test func openingAMissingStoreWithoutCreateIfMissingFails() throws {
        try withTemporaryDirectory { folder in
            var options = smallStoreOptions
            options.createIfMissing = false
            let error = #expect(throws: DatabaseError.self) {
                try Database(path: folder + "/missing", families: testFamilies, options: options)
            }
            #expect(error?.code == .open)
        }
    }

    @Test func secondOpenOfALockedStoreFailsWithOpenError() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let error = #expect(throws: DatabaseError.self) { try openDatabase(in: folder) }
            #expect(error?.code == .open)
            database.close()
            // Once closed, the lock is released.
            let reopened = try openDatabase(in: folder)
            reopened.close()
        }
    }

    @Test func cursorOutlivingCloseStaysReadableAndThenReleasesTheStore() throws {
        try withTemporaryDirectory { folder in
            var database: Database? = try openDatabase(in: folder)
            let codes = try database!.family("codes")
            for key in ["a", "b", "c"] { try database!.put(bytes(key), bytes("v"), in: codes, sync: true) }
            var cursor: Cursor? = try Cursor(database!, family: codes)
            var snapshot: Snapshot? = try Snapshot(of: database!)
            database!.close()
            database = nil
            #expect(try collect(cursor!) == [bytes("a"), bytes("b"), bytes("c")])
            // While a cursor is alive the folder stays locked by this process.
            #expect(throws: DatabaseError.self) { _ = try openDatabase(in: folder) }
            cursor = nil
            snapshot = nil
            _ = snapshot
            let reopened = try openDatabase(in: folder)
            defer { reopened.close() }
            #expect(try reopened.get(bytes("b"), in: try reopened.family("codes")) == bytes("v"))
        }
    }

    @Test func useAfterCloseThrowsClosed() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            try database.put(bytes("k"), bytes("v"), in: codes, sync: true)
            // A batch built while the store was open (family handles die with the store).
            let pending = WriteBatch()
            pending.delete(bytes("k"), in: codes)
            database.close()
            database.close()  // Closing twice is harmless.

            func expectClosed(_ operation: String, _ body: () throws -> Void) {
                let error = #expect(throws: DatabaseError.self, "\(operation)") { try body() }
                #expect(error?.code == .closed, "\(operation)")
            }
            expectClosed("get") { _ = try database.get(bytes("k"), in: codes) }
            expectClosed("put") { try database.put(bytes("k"), bytes("w"), in: codes, sync: false) }
            expectClosed("write") { try database.write(pending, sync: true) }
            expectClosed("multiGet") {
                var keys = KeyList()
                keys.append(bytes("k"))
                try database.multiGet(keys, in: codes) { _, _ in }
            }
            expectClosed("cursor") { _ = try Cursor(database, family: codes) }
            expectClosed("snapshot") { _ = try Snapshot(of: database) }
            expectClosed("syncWAL") { try database.syncWAL() }
            expectClosed("flush") { try database.flush(codes) }
            #expect(database.integerProperty("rocksdb.estimate-num-keys", of: codes) == nil)
        }
    }

    @Test func reopeningAfterCloseSeesSyncedData() throws {
        try withTemporaryDirectory { folder in
            do {
                let database = try openDatabase(in: folder)
                let codes = try database.family("codes")
                let meta = try database.family("meta")
                try database.put(bytes("synced"), bytes("1"), in: codes, sync: true)
                let batch = WriteBatch()
                for index in 0..<100 { batch.put([UInt8(index)], [UInt8(index), 0xAB], in: meta) }
                try database.write(batch, sync: false)
                try database.syncWAL()
                database.close()
            }
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            let meta = try database.family("meta")
            #expect(try database.get(bytes("synced"), in: codes) == bytes("1"))
            for index in 0..<100 {
                #expect(try database.get([UInt8(index)], in: meta) == [UInt8(index), 0xAB])
            }
            #expect(try database.get(bytes("never-written"), in: codes) == nil)
            database.close()
        }
    }

    @Test func reopeningAddsMissingColumnFamiliesAndKeepsData() throws {
        try withTemporaryDirectory { folder in
            do {
                let database = try openDatabase(in: folder)
                try database.put(bytes("k"), bytes("v"), in: database.family("meta"), sync: true)
                database.close()
            }
            let database = try Database(
                path: folder + "/db", families: testFamilies + [ColumnFamilyDescriptor(name: "extra")],
                options: smallStoreOptions)
            #expect(try database.get(bytes("k"), in: database.family("meta")) == bytes("v"))
            #expect(try database.get(bytes("k"), in: database.family("extra")) == nil)
            database.close()
        }
    }

    @Test func deleteRangeRemovesExactlyTheHalfOpenRange() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            for index in 0..<10 { try database.put([UInt8(index)], [1], in: codes, sync: false) }
            let batch = WriteBatch()
            batch.deleteRange(from: [3], to: [7], in: codes)
            try database.write(batch, sync: false)
            let cursor = try Cursor(database, family: codes)
            #expect(try collect(cursor) == [[0], [1], [2], [7], [8], [9]])
        }
    }

    /// Sorted appends flush into one file that overlaps nothing below it; compaction
    /// must still rewrite it with the bottommost compression (ZSTD), not move it down
    /// whole with the LZ4 it was flushed with.
    @Test func compactionRewritesSortedAppendsWithTheBottommostCompression() throws {
        try withTemporaryDirectory { folder in
            let database = try openDatabase(in: folder)
            let codes = try database.family("codes")
            let record = (0..<48).map { UInt8($0 % 7) }
            let batch = WriteBatch()
            for index in 0..<100_000 {
                batch.put(withUnsafeBytes(of: UInt64(index).bigEndian) { Array($0) }, record, in: codes)
            }
            try database.write(batch, sync: false)
            try database.flush(codes)
            let flushed = try #require(database.integerProperty("rocksdb.live-sst-files-size", of: codes))
            try database.compact(codes)
            let compacted = try #require(database.integerProperty("rocksdb.live-sst-files-size", of: codes))
            #expect(Double(compacted) < Double(flushed) * 0.8)
            #expect(try database.get(withUnsafeBytes(of: UInt64(99_999).bigEndian) { Array($0) }, in: codes) == record)
            database.close()
        }
    }

    @Test func aFamilyWithInsertHintsStillPlacesEveryKeyInOrder() throws {
        try withTemporaryDirectory { folder in
            let families = [ColumnFamilyDescriptor(name: "codes", profile: .bulk, insertHintPrefixLength: 9)]
            let database = try Database(path: folder + "/db", families: families, options: smallStoreOptions)
            let codes = try database.family("codes")
            #expect(codes.hasInsertHints)
            // Runs of ascending keys under three 9-byte prefixes, interleaved and arriving
            // out of order across batches, keys shorter than the prefix (outside the
            // hint's domain), then every key rewritten in order while the first values
            // are still in the memtable: the hint may speed placement up, never misplace.
            func key(_ prefix: UInt8, _ counter: Int) -> [UInt8] {
                [UInt8](repeating: prefix, count: 9) + withUnsafeBytes(of: UInt32(counter).bigEndian) { Array($0) }
            }
            var expected: [[UInt8]: [UInt8]] = [:]
            for round in 0..<3 {
                let batch = WriteBatch()
                for counter in stride(from: 2 - round, to: 3_000, by: 3) {
                    for prefix in [UInt8(7), 3, 5] {
                        batch.put(key(prefix, counter), [prefix], in: codes)
                        expected[key(prefix, counter)] = [prefix]
                    }
                }
                batch.put([UInt8(round), 1], [], in: codes)
                expected[[UInt8(round), 1]] = []
                try database.write(batch, sync: false)
            }
            let rewrite = WriteBatch()
            for existing in expected.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) where existing.count == 13 {
                rewrite.put(existing, [0xAA], in: codes)
                expected[existing] = [0xAA]
            }
            try database.write(rewrite, sync: false)
            let cursor = try Cursor(database, family: codes, from: [], to: [UInt8](repeating: 0xFF, count: 16))
            var seen: [[UInt8]] = []
            while cursor.isValid {
                seen.append(cursor.key)
                #expect(cursor.value == expected[cursor.key])
                cursor.next()
            }
            try cursor.checkStatus()
            #expect(seen == expected.keys.sorted { $0.lexicographicallyPrecedes($1) })
            let options = try FileManager.default.contentsOfDirectory(atPath: folder + "/db").filter { $0.hasPrefix("OPTIONS-") }.sorted().last
            let text = try String(contentsOfFile: folder + "/db/" + #require(options), encoding: .utf8)
            #expect(text.contains("memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.9"))
            database.close()
        }
    }
}
