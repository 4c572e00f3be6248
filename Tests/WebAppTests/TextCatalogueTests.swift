import Foundation
import MarkingHTTP
import Testing
import Texts

/// One catalogue per language holds every text the system shows, the web pages' and the
/// API problems': the three files say the same things, each in its own words, and hold
/// nothing nobody asks for.
@Suite("Text catalogue: one per language, the pages' and the problems' texts")
struct TextCatalogueTests {
    @Test("Every catalogue has every key, none blank, and every text a template names")
    func cataloguesAreComplete() throws {
        let catalogue = try TextCatalogue.bundled()
        let keys = Set(catalogue.texts[.en]!.keys)
        for language in Language.allCases {
            #expect(Set(catalogue.texts[language]!.keys) == keys, "\(language)")
            #expect(catalogue.texts[language]!.values.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        }
        let templates = try templateTexts()
        for text in templates {
            for match in text.matches(of: /\{\{t\.([a-z_.A-Z]+)\}\}/) {
                #expect(keys.contains(String(match.1)), "template names t.\(match.1)")
            }
        }
        // Each language says every text in its own words: switching changes every text.
        let same = keys.filter { key in
            let kk = catalogue.texts[.kk]![key], ru = catalogue.texts[.ru]![key], en = catalogue.texts[.en]![key]
            return kk == ru || kk == en || ru == en
        }
        #expect(same.isEmpty, "the same in two languages: \(same.sorted())")
    }

    @Test("The problem texts are the declared codes': a title and a detail for each, none left over")
    func problemTextsMatchDeclaredCodes() throws {
        let catalogue = try TextCatalogue.bundled()
        let declared = Set(ProblemCatalog.all.flatMap { ["problem.\($0.entry.textKey).title", "problem.\($0.entry.textKey).detail"] })
        #expect(!declared.isEmpty)
        for language in Language.allCases {
            let held = Set(catalogue.texts[language]!.keys.filter { $0.hasPrefix("problem.") })
            #expect(held.subtracting(declared).isEmpty, "\(language): no declared code has \(held.subtracting(declared).sorted())")
            #expect(declared.subtracting(held).isEmpty, "\(language): missing \(declared.subtracting(held).sorted())")
        }
        try ProblemCatalog.checkTexts()
        // The API answers with exactly the catalogue's words.
        for code in ProblemCatalog.all {
            for language in Language.allCases {
                let body = Problem(code).body(in: language)
                #expect(body.title == catalogue.text("problem.\(code.entry.textKey).title", language), "\(code) \(language)")
                #expect(body.detail == catalogue.text("problem.\(code.entry.textKey).detail", language), "\(code) \(language)")
            }
        }
    }

    @Test("Every page text is named by a template or a page: as a whole key, or by the family a page completes")
    func pageTextsAreUsed() throws {
        let catalogue = try TextCatalogue.bundled()
        let templates = try templateTexts().joined()
        let pages = try pageSources().joined()
        // Families a page completes at run time: `text("doc_" + type.rawValue, visit)`, `"download_\(format)"`.
        let families = Set(
            pages.matches(of: /"([a-z_]+_)"\s*\+/).map { String($0.1) } + pages.matches(of: /"([a-z_]+_)\\\(/).map { String($0.1) })
        let unused = catalogue.texts[.en]!.keys.filter { key in
            !key.hasPrefix("problem.") && !templates.contains("{{t.\(key)}}") && !pages.contains("\"\(key)\"")
                && !families.contains { key.hasPrefix($0) }
        }
        #expect(unused.isEmpty, "named by no template or page: \(unused.sorted())")
    }

    private static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private func templateTexts() throws -> [String] {
        let folder = Self.root.appendingPathComponent("Sources/WebApp/Resources/templates")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).map {
            try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// The Swift sources of the web application's pages.
    private func pageSources() throws -> [String] {
        let folder = Self.root.appendingPathComponent("Sources/WebApp")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }.map {
            try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }
}
