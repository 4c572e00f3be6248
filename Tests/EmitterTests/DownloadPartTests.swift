import Dispatch
import Emitter
import Foundation
import MarkingCore
import Synchronization
import TestSupport
import Testing

/// Downloads are generated part by part, so nobody waiting on a socket holds the
/// emitter's queues, and a large order writes its records in slices, so a small
/// order placed meanwhile is not held behind all of it.
@Suite("Download parts and write slices")
struct DownloadPartTests {
    @Test("The parts of an order, generated one by one, are exactly its codes, in csv too")
    func partsAreTheWholeOrder() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let order = try emitter.emit(try request(Emitter.downloadPartSize * 2 + 1000, store, template: "s7-93"))
        let whole = CollectingSink()
        try emitter.download(order, format: .text, sink: whole)
        let parts = emitter.parts(of: order)
        #expect(parts.count == 3)
        var lines: [String] = []
        for part in parts {
            let bytes = try emitter.codes(of: order, in: part, format: .text)
            lines += bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines.count == order.quantity)
        #expect(Set(lines) == Set(whole.lines))
        // In counter order, part after part: a second download is the same bytes.
        let again = try parts.flatMap { try emitter.codes(of: order, in: $0, format: .text) }
        #expect(again.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) } == lines)
        let csv = try emitter.codes(of: order, in: parts[0], format: .csv)
        #expect(!String(decoding: csv.prefix(5), as: UTF8.self).hasPrefix("code"), "the header is the caller's, once")
    }

    @Test("A self-made order is one part holding its serials")
    func selfMadePart() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let order = try emitter.registerSelfMade(["ABCDEF", "GHIJKL"], request: try request(2, store, template: "s6-93"))
        let parts = emitter.parts(of: order)
        #expect(parts.count == 1)
        let text = String(decoding: try emitter.codes(of: order, in: parts[0], format: .csv), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2, "\(text)")
        #expect(lines.allSatisfy { !$0.hasPrefix("code") })
    }

    @Test("A small order placed while a large one writes is written between two of its slices, not after all of it")
    func smallOrderNotStarved() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store, writeSlice: EmissionRange.chunkSize)
        let large = try emitter.reserve(try request(400_000, store, template: "s7-93"))
        let progress = EmissionProgress()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? emitter.complete(large, progress: progress)
            done.signal()
        }
        var waited = 0
        while progress.completed == 0, waited < 60_000 {
            usleep(1000)
            waited += 1
        }
        let small = try emitter.emit(try request(100, store, template: "s7-93", gtin: otherGTIN))
        let writtenWhenSmallDone = progress.completed
        #expect(small.state == .completed)
        #expect(writtenWhenSmallDone < large.quantity, "the small order waited for the whole large one")
        done.wait()
        #expect(try emitter.order(large.id)?.state == .completed)
        #expect(try storedSerials(store, gtin: gtin, length: 7).count == 400_000)
    }
}
