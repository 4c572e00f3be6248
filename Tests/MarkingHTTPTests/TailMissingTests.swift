import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
@testable import MarkingHTTP
import NIOEmbedded
import NIOHTTPTypes
import Testing

@Suite("A known code sent without its crypto tail")
struct TailMissingTests {
    @Test("Is not genuine: the store, the router and the channel pipeline all say the tail is missing, with the same answer")
    func cisAloneIsNotGenuine() async throws {
        try await TestServer.run { client, service in
            let pipeline = PublicCheckHandlerTests()
            let (_, codes) = try await pipeline.codes(client, count: 1)
            let cis = try service.store.parser.parse(codes[0]).cis.description

            let inProcess = try service.store.check(try service.store.parser.parse(cis))
            #expect(inProcess.record != nil)
            #expect(inProcess.tail == .missing)
            #expect(!inProcess.isGenuine)
            #expect(inProcess.problem?.contains("tail is missing") == true)

            let routed = try await client.execute(uri: "/api/v1/codes/\(percentEncoded(cis))", method: .get) { response in
                #expect(response.status == .ok)
                let json = object(response)
                #expect(json["known"] as? Bool == true)
                #expect(json["genuine"] as? Bool == false)
                #expect(json["tail"] as? String == "missing")
                #expect(json["problem"] as? String == "codes.tail_missing")
                return text(response)
            }
            let channel = EmbeddedChannel(handler: PublicCheckHandler(service: service, serverName: "marking-server"))
            let direct = try pipeline.send(channel, pipeline.request("/api/v1/codes/\(percentEncoded(cis))"))
            #expect(direct.answer == routed)
            _ = try channel.finish()

            // The whole code still checks genuine: only the missing tail is refused.
            let whole = try service.store.check(try service.store.parser.parse(codes[0]))
            #expect(whole.isGenuine)
        }
    }
}
