import Emitter
import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
@testable import MarkingHTTP
import NIOCore
import Testing

@Suite("Public check hot path")
struct PublicCheckTests {
    /// What `JSONEncoder.api` writes for the check of `text`, built the slow way.
    func reference(_ text: String, service: MarkingService, caller: Caller?) throws -> String {
        let code = try service.store.parser.parse(text)
        let check = try service.store.check(code)
        let product = check.record == nil ? nil : try service.products.product(code.cis.gtin)
        let answer = CodeRoutes.CheckAnswer(
            PublicCheck.Found(check: check, card: nil), product: product, catalog: service.store.catalog
        ) { record in
            guard let caller else { return false }
            return caller == .admin || caller.participantID == record.owner
        }
        return String(decoding: try JSONEncoder.api.encode(answer), as: UTF8.self)
    }

    @Test("Answers are byte for byte what JSONEncoder writes: known, forged, unknown, awkward serial, owner, product card")
    func sameBytesAsEncoder() async throws {
        try await TestServer.run { client, service in
            let owner = try await register(client)
            let product = gtin(460_700_000_001)
            try await client.execute(
                uri: "/api/v1/products/\(product)", method: .put, headers: headers(token: owner.token, json: true),
                body: body(["tradeName": "Milk \"3.2%\" 1 l\\n", "country": "KZ", "price": "450.00", "productionPlace": "Астана"])
            ) { response in #expect(response.status == .created, "\(text(response))") }
            let id = try await order(client, token: owner.token, gtin: product, quantity: 3)
            let codes = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: owner.token)) { response in
                text(response).split(separator: "\n").map(String.init)
            }
            let template = TemplateCatalog.standard.defaultTemplate
            let serial = #"/%?&"'<;Ab12Z"#
            _ = try service.emitter.registerSelfMade(
                [serial], request: EmissionRequest(gtin: try GTIN(product), quantity: 1, template: template, producer: UInt32(owner.id)))
            let cis = CIS(gtin: try GTIN(product), serial: try Serial(serial))
            let keyID = service.store.keys.activeKeyID
            let awkward = MarkingCode(
                cis: cis, keyID: keyID, tail: service.store.signer.tail(for: cis, kind: template.tail, keyID: keyID), tailKind: template.tail
            ).formatted()
            var forged = codes[0]
            forged.append(forged.removeLast() == "A" ? "B" : "A")
            let unknown = "01" + gtin(460_700_000_009) + "21" + "ABCDEFGHIJKLM"
            let participant = try #require(try service.participants.participant(UInt32(owner.id)))
            for scanned in [codes[0], codes[2], forged, unknown, awkward] {
                for (token, caller) in [(nil, nil), (owner.token, Caller.participant(participant)), (adminSecret, Caller.admin)] as [(String?, Caller?)] {
                    let expected = try reference(scanned, service: service, caller: caller)
                    try await client.execute(uri: "/api/v1/codes/\(percentEncoded(scanned))", method: .get, headers: headers(token: token)) { response in
                        #expect(response.status == .ok)
                        #expect(text(response) == expected)
                    }
                }
            }
        }
    }

    @Test("A product card changed after a check shows at the next check")
    func cardChanges() async throws {
        try await TestServer.run { client, _ in
            let owner = try await register(client)
            let product = gtin(460_700_000_001)
            let id = try await order(client, token: owner.token, gtin: product, quantity: 1)
            let code = try await client.execute(uri: "/api/v1/orders/\(id)/codes", method: .get, headers: headers(token: owner.token)) { response in
                String(text(response).split(separator: "\n")[0])
            }
            func card() async throws -> [String: Any]? {
                try await client.execute(uri: "/api/v1/codes/\(percentEncoded(code))", method: .get) { object($0)["product"] as? [String: Any] }
            }
            #expect(try await card()?["tradeName"] as? String == "Product \(product)")
            for name in ["Milk", "Kefir"] {
                try await client.execute(
                    uri: "/api/v1/products/\(product)", method: .put, headers: headers(token: owner.token, json: true), body: body(["tradeName": name])
                ) { response in #expect(response.status == .created || response.status == .ok) }
                #expect(try await card()?["tradeName"] as? String == name)
            }
        }
    }

    @Test("Timestamps match ISO8601FormatStyle with milliseconds, exactly")
    func timestamps() {
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var values: [UInt64] = [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 1_795_352_980_902, 4_102_444_799_999, 253_402_300_799_999]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append(UInt64.random(in: 0...4_102_444_800_000, using: &random)) }
        for value in values {
            let seconds = value / 1000, millisecond = value % 1000
            let expected = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(format).dropLast(5)
                + String(format: ".%03dZ", millisecond)
            #expect(JSONAnswer.timestamp(value) == expected, "\(value)")
        }
    }

    @Test("Strings are escaped as JSONEncoder escapes them, audit lines included")
    func escaping() throws {
        struct Box: Encodable { var a: String }
        var samples = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        samples += ["", "plain", "quote\" back\\slash /slash", "Астана ✓ 𝄞", "\u{7F}\u{1D}\u{E8}"]
        for sample in samples {
            var writer = JSONByteWriter()
            writer.string("a", sample)
            let written = writer.finish()
            #expect(String(buffer: written) == String(decoding: try JSONEncoder.api.encode(Box(a: sample)), as: UTF8.self), "\(Array(sample.utf8))")
        }
        for entry in [
            AuditEntry(time: "2026-11-22T13:09:40.140Z", ms: 1, actor: "public", participant: nil, ip: "::1", method: "GET", route: "/api/v1/codes?code=a%22b\"", status: 200, count: nil),
            AuditEntry(time: "t", ms: 1_795_352_980_113, actor: "participant", participant: 7, ip: "127.0.0.1", method: "POST", route: "/api/v1/orders", status: 201, count: 1_000_000),
        ] {
            #expect(String(buffer: entry.json) == String(decoding: try JSONEncoder.api.encode(entry), as: UTF8.self))
        }
    }

    @Test("Numbers, booleans, timestamps and nested JSON are written as JSONEncoder writes them")
    func numbersAndFields() throws {
        struct Fields: Encodable {
            var a: Int
            var b: UInt64
            var c: Bool
            var d: String
            var e: [String: Int]
            var f: Int8
            var g: Bool
        }
        let integers: [Int] = [0, 1, -1, 9, 10, -10, 99, 100, 1_000_000, Int.max, Int.min, -9_223_372_036_854_775_807]
        let unsigned: [UInt64] = [0, 7, 10, UInt64.max, 1_795_352_980_113]
        for (a, b) in zip(integers, unsigned + unsigned + unsigned) {
            for f in [Int8.min, -1, 0, Int8.max] {
                let expected = Fields(a: a, b: b, c: a < 0, d: "x\(a)", e: ["k": a], f: f, g: true)
                var writer = JSONByteWriter(capacity: 8)
                writer.integer("a", a)
                writer.integer("b", b)
                writer.bool("c", a < 0)
                writer.string("d", "x\(a)")
                writer.raw("e", Array(#"{"k":\#(a)}"#.utf8))
                writer.integer("f", f)
                writer.bool("g", true)
                #expect(String(buffer: writer.finish()) == String(decoding: try JSONEncoder.api.encode(expected), as: UTF8.self))
            }
        }
        var stamp = JSONByteWriter(reusing: nil)
        stamp.timestamp("at", milliseconds: 1_795_352_980_113)
        #expect(String(buffer: stamp.finish()) == #"{"at":"\#(JSONAnswer.timestamp(1_795_352_980_113))"}"#)
    }
}
