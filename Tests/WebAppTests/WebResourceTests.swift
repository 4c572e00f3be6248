import Foundation
import Testing
import Texts
@testable import WebApp

@Suite("Web application: its resource folder")
struct WebResourceTests {
    @Test("The resources are found beside the test binary, as beside a release binary")
    func foundBesideTheExecutable() throws {
        let folder = try WebResources.folder.get()
        #expect(folder.lastPathComponent.hasSuffix("_WebApp.resources"))
        #expect(folder.deletingLastPathComponent() == Bundle.main.bundleURL)
        #expect(!(try WebResources.text("templates/layout.mustache")).isEmpty)
        #expect(try TextCatalogue.bundled().texts.count == 3, "the Texts module's folder, found the same way")
    }

    @Test("A binary without its resource folder gets a webapp.resource error naming where it looked, not a crash")
    func missingFolderIsAnError() throws {
        let empty = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("webapp-no-resources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        switch WebResources.folder(in: [empty]) {
        case .success(let url): Issue.record("found \(url) in an empty folder")
        case .failure(let error):
            #expect(error.code == .resource)
            #expect(error.message.contains(empty.path))
        }
    }
}
