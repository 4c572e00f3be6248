import Foundation
import Hummingbird
import HummingbirdTesting
import MarkingCore
import MarkingHTTP
import Testing

@Suite("Registry digest")
struct RegistryDigestTests {
    @Test("The digest shows a fingerprint of the key ring, never a key, so replicas' rings can be compared")
    func digestShowsTheKeyFingerprint() async throws {
        try await TestServer.run { client, service in
            try await client.execute(uri: "/api/v1/registry/digest", method: .get, headers: headers(token: adminSecret)) { response in
                #expect(response.status == .ok)
                let json = object(response)
                #expect(json["keyFingerprint"] as? String == service.store.keyFingerprint.digest)
                let keys = try String(contentsOfFile: service.store.keyFilePath, encoding: .utf8)
                let secrets = keys.split(separator: "\"").filter { $0.count >= 43 }
                #expect(!secrets.isEmpty)
                for secret in secrets { #expect(!text(response).contains(secret)) }
            }
        }
    }
}
