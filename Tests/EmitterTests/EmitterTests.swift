import Emitter
import Foundation
import MarkingCore
import RocksDB
import TestSupport
import Testing

let gtin = try! GTIN("04607000000014")
let otherGTIN = try! GTIN("04600000000008")

func request(_ quantity: Int, _ store: MarkingStore, template: String = "s13-91-92", gtin: GTIN = gtin) throws -> EmissionRequest {
    EmissionRequest(gtin: gtin, quantity: quantity, template: try store.catalog.named(template), producer: 7)
}

/// Every serial of `gtin` in the store, read back from the keys by the permutation.
func storedSerials(_ store: MarkingStore, gtin: GTIN, length: Int) throws -> [[UInt8]] {
    let permutation = store.permutation(gtin: gtin, serialLength: length)
    var serials: [[UInt8]] = []
    try store.forEachCode(gtin: gtin, serialLength: length) { ref, _ in
        serials.append(permutation.serial(preimage: ref.preimage).bytes)
    }
    return serials
}

@Suite struct EmissionTests {
    @Test func millionEmittedSerialsAreDistinctAndInTheTemplateAlphabet() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let order = try emitter.emit(try request(1_000_000, store))
        #expect(order.state == .completed)
        let serials = try storedSerials(store, gtin: gtin, length: 13)
        #expect(serials.count == 1_000_000)
        #expect(Set(serials).count == 1_000_000)
        #expect(serials.allSatisfy { $0.count == 13 && $0.allSatisfy(SerialAlphabet.contains) })
    }

    @Test func twoOrdersForTheSameGTINNeverOverlap() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let first = CollectingSink(), second = CollectingSink()
        let a = try emitter.emit(try request(20_000, store), sink: first)
        let b = try emitter.emit(try request(20_000, store), sink: second)
        #expect(a.rangeEnd <= b.rangeStart)
        #expect(Set(first.lines).isDisjoint(with: Set(second.lines)))
        #expect(first.lines.count == 20_000 && second.lines.count == 20_000)
    }

    @Test func emittedCodesAreGenuineAndCarryTheirOrder() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        for template in ["s13-91-92", "s7-93", "s6-93"] {
            let sink = CollectingSink()
            let order = try emitter.emit(try request(3_000, store, template: template), sink: sink)
            for line in sink.lines.prefix(50) {
                let check = try store.check(try store.parser.parse(line))
                #expect(check.isGenuine)
                #expect(check.record?.order == order.id)
                #expect(check.record?.status == .emitted)
                #expect(check.record?.owner == 7)
            }
        }
    }

    @Test func downloadRegeneratesExactlyTheEmittedCodes() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let emitted = CollectingSink()
        let order = try emitter.emit(try request(30_000, store), sink: emitted)
        for format in CodeListFormat.allCases {
            let downloaded = CollectingSink()
            let stored = try emitter.order(order.id)
            try emitter.download(try #require(stored), format: format, sink: downloaded)
            var codes = downloaded.lines
            if format == .csv {
                #expect(codes.first == "code")
                codes = codes.dropFirst().map { line in
                    String(line.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
                }
            } else if format == .ndjson {
                codes = try codes.map { line in
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
                    let code = object?["code"]
                    return try #require(code)
                }
            }
            #expect(Set(codes) == Set(emitted.lines), "format \(format)")
        }
    }

    @Test(arguments: [0, -1, Emitter.maximumQuantity + 1])
    func quantityOutsideTheLimitsIsRefusedAndChangesNothing(quantity: Int) throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        #expect(throws: MarkingError.self) { try emitter.emit(try request(quantity, store)) }
        #expect(try emitter.nextCounter(gtin: gtin, serialLength: 13) == 0)
    }

    @Test func exhaustedSerialSpaceIsRefusedWithoutReserving() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let catalog = TemplateCatalog([CodeTemplate(id: 9, name: "s2", serialLength: 2, tail: .shortMAC)])
        let store = try MarkingStore(dataFolder: folder.folder, catalog: catalog)
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let template = try catalog.named("s2")
        _ = try emitter.emit(EmissionRequest(gtin: gtin, quantity: 6_000, template: template, producer: 1))
        let error = #expect(throws: MarkingError.self) {
            try emitter.emit(EmissionRequest(gtin: gtin, quantity: 1_000, template: template, producer: 1))
        }
        #expect(error?.code == .serialSpaceExhausted)
        #expect(try emitter.nextCounter(gtin: gtin, serialLength: 2) == 6_000)
        _ = try emitter.emit(EmissionRequest(gtin: gtin, quantity: 724, template: template, producer: 1))
        #expect(Set(try storedSerials(store, gtin: gtin, length: 2)).count == 6_724)
    }
}

@Suite struct CrashSafetyTests {
    @Test func emissionCutOffAfterReservationNeverReissuesTheRange() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        var store = try folder.open()
        var emitter = try Emitter(store: store)
        let cutOff = try emitter.reserve(try request(10_000, store))
        // The process "dies" here: the range is reserved, no code was written.
        store.close()

        store = try folder.open()
        defer { store.close() }
        emitter = try Emitter(store: store)
        #expect(try emitter.order(cutOff.id)?.state == .interrupted)
        let next = try emitter.emit(try request(10_000, store))
        #expect(next.rangeStart >= cutOff.rangeEnd)
        let sink = CollectingSink()
        try emitter.download(next, format: .text, sink: sink)
        let permutation = store.permutation(gtin: gtin, serialLength: 13)
        let reserved = Set((cutOff.rangeStart..<cutOff.rangeEnd).map { permutation.serial(counter: $0).bytes })
        let issued = try sink.lines.map { try store.parser.parse($0).cis.serial.bytes }
        #expect(reserved.isDisjoint(with: issued))
    }
}

@Suite struct SelfMadeSerialTests {
    @Test func takenSelfMadeSerialIsRefused() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        _ = try emitter.registerSelfMade(["ABCDEFGHIJKLM", "abc/%?&\"'<;12"], request: try request(2, store))
        let error = #expect(throws: MarkingError.self) {
            try emitter.registerSelfMade(["ZZZZZZZZZZZZZ", "ABCDEFGHIJKLM"], request: try request(2, store))
        }
        #expect(error?.code == .serialTaken)
        #expect(try store.record(for: CIS(gtin: gtin, serial: try Serial("ZZZZZZZZZZZZZ"))) == nil, "a refused order stores nothing")
    }

    @Test func selfMadeSerialInsideAnIssuedRangeIsRefused() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        let sink = CollectingSink()
        _ = try emitter.emit(try request(100, store), sink: sink)
        let operatorSerial = try store.parser.parse(sink.lines[0]).cis.serial.description
        let error = #expect(throws: MarkingError.self) {
            try emitter.registerSelfMade([operatorSerial], request: try request(1, store))
        }
        #expect(error?.code == .serialTaken)
    }

    @Test func operatorSerialsNeverCollideWithSelfMadeOnes() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        // Self-made serials that are exactly what the next operator counters would produce.
        let permutation = store.permutation(gtin: gtin, serialLength: 13)
        let predicted = (0..<5).map { permutation.serial(counter: UInt64($0 * 3)).description }
        let selfMade = try emitter.registerSelfMade(predicted, request: try request(5, store))
        #expect(selfMade.selfMade)
        let sink = CollectingSink()
        let order = try emitter.emit(try request(50, store), sink: sink)
        #expect(sink.lines.count == 50)
        #expect(order.skipped.count == 5)
        let issued = Set(try sink.lines.map { try store.parser.parse($0).cis.serial.description })
        #expect(issued.isDisjoint(with: predicted))
        #expect(try storedSerials(store, gtin: gtin, length: 13).count == 55)
    }

    @Test func malformedOrRepeatedSelfMadeSerialsAreRefused() throws {
        let folder = TemporaryStore()
        defer { folder.remove() }
        let store = try folder.open()
        defer { store.close() }
        let emitter = try Emitter(store: store)
        for serials in [["SHORT"], ["ABCDEFGHIJKL#"], ["ABCDEFGHIJKLM", "ABCDEFGHIJKLM"], []] {
            #expect(throws: MarkingError.self) { try emitter.registerSelfMade(serials, request: try request(1, store)) }
        }
        #expect(try storedSerials(store, gtin: gtin, length: 13).isEmpty)
    }
}
