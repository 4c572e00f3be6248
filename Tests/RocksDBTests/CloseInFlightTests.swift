import Dispatch
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import RocksDB

@Suite("Closing a database with reads in flight")
struct CloseInFlightTests {
    @Test("close() waits for a pinned read in flight; the read's value stays readable until its body returns")
    func closeWaitsForAPointRead() throws {
        try withTemporaryDirectory { folder in
            let database = try Database(
                path: folder + "/db", families: [ColumnFamilyDescriptor(name: "meta")], options: smallStoreOptions)
            let meta = try database.family("meta")
            let value = Array(repeating: UInt8(ascii: "v"), count: 4096)
            try database.put(Array("key".utf8), value, in: meta, sync: false)
            let inside = DispatchSemaphore(value: 0)
            let closeStarted = DispatchSemaphore(value: 0)
            let closeReturned = Flag()
            let closed = DispatchSemaphore(value: 0)
            let closer = Thread {
                inside.wait()
                closeStarted.signal()
                database.close()
                closeReturned.value.store(true, ordering: .sequentiallyConsistent)
                closed.signal()
            }
            closer.start()
            let (returnedWhileReading, seen) = try database.withValue(forKey: Array("key".utf8), in: meta) { buffer -> (Bool, [UInt8]) in
                inside.signal()
                closeStarted.wait()
                // Give close() every chance to return early (it must not): the check below
                // does not depend on how long this takes, only on close() not finishing first.
                Thread.sleep(forTimeInterval: 0.2)
                return (closeReturned.value.load(ordering: .sequentiallyConsistent), Array(buffer!))
            }
            closed.wait()
            #expect(!returnedWhileReading, "close() returned while a read was in flight")
            #expect(seen == value)
            let error = #expect(throws: DatabaseError.self) { try database.get(Array("key".utf8), in: meta) }
            #expect(error?.code == .closed)
        }
    }
}

/// A flag shared with another thread.
private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
