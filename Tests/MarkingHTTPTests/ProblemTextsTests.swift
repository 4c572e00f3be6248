import Foundation
import TestSupport
import Testing
import Texts

@testable import MarkingHTTP

/// The problem texts come from the text catalogue, resolved once: a catalogue file or a
/// text that is missing is a typed error when they are resolved (the server does it at
/// start), never a crash or a blank answer on some later request.
@Suite("Problem texts: read from the text catalogue, checked at start")
struct ProblemTextsTests {
    @Test("A catalogue file that is missing or not a JSON object of strings is a typed error naming it")
    func missingOrMalformedFile() throws {
        try withTemporaryDirectory { folder in
            let url = URL(fileURLWithPath: folder)
            try Data(#"{"nav_check": "Кодты тексеру"}"#.utf8).write(to: url.appendingPathComponent("kk.json"))
            #expect {
                try TextCatalogue.load(from: url)
            } throws: { error in
                let error = error as? TextsError
                return error?.code == .resource && error?.message.contains("ru.json") == true
            }
            try Data(#"{"nav_check": 7}"#.utf8).write(to: url.appendingPathComponent("ru.json"))
            #expect {
                try TextCatalogue.load(from: url)
            } throws: { error in
                let error = error as? TextsError
                return error?.code == .malformed && error?.message.contains("ru.json") == true
            }
        }
    }

    @Test("A problem text missing or blank in one language stops the resolution with the key named")
    func missingProblemText() throws {
        let bundled = try TextCatalogue.bundled()
        let entries = ProblemCatalog.all.map(\.entry)
        let resolved = try ProblemTexts(bundled, entries: entries)
        #expect(resolved.byKey.count == Set(entries.map(\.textKey)).count)
        for (key, damage) in [("problem.auth.role.detail", nil), ("problem.internal.error.title", " ")] as [(String, String?)] {
            var texts = bundled.texts
            texts[.ru]![key] = damage
            #expect {
                try ProblemTexts(TextCatalogue(texts: texts), entries: entries)
            } throws: { error in
                let error = error as? TextsError
                return error?.code == .missingKey && error?.message.contains(key) == true && error?.message.contains("ru") == true
            }
        }
    }

    @Test("Codes sharing a text answer with the one text, each under its own code")
    func sharedTexts() {
        let unreadable = [Problem.Code.codes.empty, .codes.tail, .codes.trailingData]
        let failures = [Problem.Code.server.store, .server.keyFile, .server.internalError]
        for group in [unreadable, failures] {
            for language in Language.allCases {
                let bodies = group.map { Problem($0).body(in: language) }
                #expect(Set(bodies.map(\.title)).count == 1, "\(group) \(language)")
                #expect(Set(bodies.map(\.code)) == Set(group.map(\.rawValue)))
            }
        }
        #expect(Problem(.codes.empty).body(in: .en).title != Problem(.server.store).body(in: .en).title)
    }
}
