import ConsoleProgress
import Foundation
import LoadClient
import NIOCore

/// What a load run's set-up built on the server, all through the HTTP API: a producer
/// and a receiver, a product card, a store of codes (ordered and downloaded), a random
/// sample of them in memory, and code lists of introduced codes on disk for transfers.
struct LoadFixture: Sendable {
    var producer: APISession.Participant
    var receiver: APISession.Participant
    var gtin: String
    /// Codes this run put into the store.
    var storeCodes: Int
    /// A uniform sample of the store's codes, as downloaded (element strings).
    var sample: [[UInt8]]
    /// Files of introduced codes, one code per line, ready to transfer.
    var introduced: [String]
    /// Codes per introduced file.
    var introducedCodes: Int
    var setupSeconds: Double

    /// What to build.
    struct Plan {
        /// Codes to order in all (at least `slices * sliceCodes`).
        var storeCodes: Int
        /// Codes per set-up order.
        var orderCodes: Int
        /// How many codes to keep in the sample.
        var sampleSize: Int
        /// Introduced code lists to prepare for transfers, and their size.
        var slices = 0
        var sliceCodes = 0
    }

    /// Builds the fixture through `session`, writing code lists under `scratch`.
    static func build(_ plan: Plan, session: APISession, scratch: String, quiet: Bool) async throws -> LoadFixture {
        let started = ContinuousClock.now
        let run = Int(Date().timeIntervalSince1970 * 1000) % 1_000_000_000
        let producer = try await session.register(name: "Bench Producer \(run)", roles: ["producer"], seed: run * 2)
        let receiver = try await session.register(name: "Bench Wholesaler \(run)", roles: ["wholesaler"], seed: run * 2 + 1)
        let gtin = APISession.gtin(seed: run)
        try await session.registerProduct(gtin, owner: producer)

        let sample = CodeSample(capacity: plan.sampleSize)
        let downloaded = ProgressCounter()
        let total = max(plan.storeCodes, plan.slices * plan.sliceCodes)
        let reporter = ProgressReporter(label: "set-up: order and download", quiet: quiet, total: { total }, completed: { downloaded.value })
        var introduced: [String] = []
        var ordered = 0
        while ordered < total {
            let isSlice = introduced.count < plan.slices
            let quantity = isSlice ? plan.sliceCodes : min(plan.orderCodes, total - ordered)
            let order = try await session.order(gtin: gtin, quantity: quantity, by: producer)
            let file = isSlice ? scratch + "/introduced-\(introduced.count).txt" : nil
            let consumer = try CodeListConsumer(gtin: gtin, file: file, sample: plan.sampleSize > 0 ? sample : nil, progress: downloaded)
            try await session.download(order: order, quantity: quantity, by: producer, into: consumer)
            if let file { introduced.append(file) }
            ordered += quantity
        }
        reporter.finish()

        if !introduced.isEmpty {
            let applied = ProgressCounter()
            let steps = introduced.count * 2 * plan.sliceCodes
            let documents = ProgressReporter(label: "set-up: apply and introduce", quiet: quiet, total: { steps }, completed: { applied.value })
            for (index, file) in introduced.enumerated() {
                for type in ["UTILISATION", "INTRODUCTION"] {
                    try await session.applyDocument(
                        type: type, number: "setup-\(run)-\(type.prefix(1))\(index)", file: file, codes: plan.sliceCodes, by: producer)
                    applied.add(plan.sliceCodes)
                }
            }
            documents.finish()
        }
        return LoadFixture(
            producer: producer, receiver: receiver, gtin: gtin, storeCodes: ordered, sample: sample.lines, introduced: introduced,
            introducedCodes: plan.sliceCodes, setupSeconds: (ContinuousClock.now - started).seconds)
    }

    /// The sample as code checks: `GET /api/v1/codes/{percent-encoded code}`, each
    /// answer to contain the code's own serial.
    func checkRequests(host: String, port: Int) -> RequestSet {
        var builder = RequestSet.Builder(host: host, port: port)
        for code in sample {
            builder.add(target: "/api/v1/codes/" + Self.percentEncoded(code), mustContain: Self.serialField(code))
        }
        return builder.build()
    }

    /// What every check answer must say: known, genuine, this GTIN.
    var checkExpectation: ResponseExpectation {
        ResponseExpectation(status: 200, contains: [Array(#""known":true"#.utf8), Array(#""genuine":true"#.utf8), Array(#""gtin":"\#(gtin)""#.utf8)])
    }

    /// Percent-encodes every byte but RFC 3986's unreserved characters.
    static func percentEncoded(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `"serial":"…"` as the check answers it (JSON-escaped) for an element string
    /// `01` + GTIN + `21` + serial, up to the first group separator.
    static func serialField(_ code: [UInt8]) -> [UInt8] {
        let serial = code.dropFirst(18).prefix { $0 != 0x1D }
        var field = Array(#""serial":""#.utf8)
        for byte in serial {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { field.append(UInt8(ascii: "\\")) }
            field.append(byte)
        }
        field.append(UInt8(ascii: "\""))
        return field
    }
}
