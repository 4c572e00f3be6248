import Foundation
import MarkingCore
import Testing

@testable import MarkingHTTP

/// Every problem code the server can answer has its texts in all three languages and a
/// wire string of its own. The codes come from their declarations (the catalog's areas,
/// read by reflection, and the engine's sources), not from a list copied here, so a code
/// added without texts or with a taken wire string fails these tests.
@Suite("Problem codes: declared once, in kk, ru and en")
struct ProblemCodeTests {
    @Test("Every declared code has a title and a detail in kk, ru and en")
    func declaredCodesHaveTexts() {
        #expect(ProblemCatalog.all.count > ProblemCatalog.areas.count, "the areas declare no codes: \(ProblemCatalog.all)")
        #expect(ProblemCatalog.all.contains(.participants.tokenLimit))
        for code in ProblemCatalog.all {
            expectTexts(code)
        }
    }

    @Test("Every stored property of an area is a code, so reflection skips none")
    func areasHoldOnlyCodes() {
        for area in ProblemCatalog.areas {
            for child in Mirror(reflecting: area).children {
                #expect(child.value is Problem.Code, "\(type(of: area)).\(child.label ?? "?") is not a Problem.Code")
            }
        }
    }

    @Test("No two codes share a wire string")
    func wireStringsAreUnique() {
        let shared = Dictionary(grouping: ProblemCatalog.all, by: \.rawValue).filter { $0.value.count > 1 }.keys.sorted()
        #expect(shared.isEmpty, "declared more than once: \(shared)")
        #expect(ProblemCatalog.codes.count == ProblemCatalog.all.count)
        for code in ProblemCatalog.all {
            #expect(ProblemCatalog.code(code.rawValue)?.entry.status == code.status, "\(code)")
        }
    }

    @Test("Every MarkingError and CodeFormatError code is answered with its own declared texts")
    func engineCodesAreDeclared() throws {
        let engine = try Self.declaredRawValues(of: "MarkingError")
        let format = try Self.declaredRawValues(of: "CodeFormatError")
        // The scan finds codes of the type's own declaration and of an extension in another
        // module (OwnershipBatch's `MarkingError.Code.documentType`, answered as `.documents.type`).
        #expect(engine.isSuperset(of: [MarkingError.Code.notWaiting.rawValue, Problem.Code.documents.type.rawValue]), "\(engine.sorted())")
        #expect(format.contains(CodeFormatError.Code.trailingData.rawValue), "\(format.sorted())")
        #expect(engine.isDisjoint(with: format))
        for rawValue in engine {
            let code = ProblemCatalog.code(rawValue)
            #expect(code != nil, "MarkingError code \(rawValue) has no problem code: a 500 with internal.error texts")
            if let code { expectTexts(code) }
            #expect(Problem(MarkingError(.init(rawValue), "detail")).code.entry.status == code?.status)
        }
        for rawValue in format {
            let code = ProblemCatalog.code(rawValue)
            #expect(code != nil, "CodeFormatError code \(rawValue) has no problem code: a 500 with internal.error texts")
            if let code { expectTexts(code) }
        }
    }

    @Test("Field errors carry the same typed codes and encode them as their wire strings")
    func fieldErrorsEncodeWireStrings() throws {
        let problem = Problem(.documents.receiverUnknown, detail: "receiver 7 is not registered", pointer: "/receiver")
        #expect(problem.errors == [Problem.FieldError(pointer: "/receiver", code: .documents.receiverUnknown)])
        let body = problem.body(in: .kk)
        #expect(body.code == "document.receiver_unknown")
        let json = try JSONEncoder.api.encode(body)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.first?["code"] as? String == "document.receiver_unknown")
        #expect(try JSONDecoder().decode(Problem.Body.self, from: json) == body)
    }

    @Test("A log that cannot take writes now is a 503 with Retry-After, not an internal error")
    func unavailableLogIsRetryable() {
        let problem = Problem(MarkingError(.logUnavailable, "the log did not store the changeset within 15 seconds"))
        #expect(problem.status == .serviceUnavailable)
        let response = problem.response(in: .en)
        #expect(response.headers[.retryAfter] == String(Problem.unavailableRetrySeconds))
        let failure = Problem(MarkingError(.store, "disk full")).response(in: .en)
        #expect(failure.status == .internalServerError)
        #expect(failure.headers[.retryAfter] == nil)
    }

    /// Non-empty titles and details in every language, the status a client error or 500.
    func expectTexts(_ code: Problem.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(code.status.code >= 400 && code.status.code <= 503, "\(code): \(code.status)", sourceLocation: sourceLocation)
        for language in Language.allCases {
            let text = code.text(in: language)
            #expect(!text.title.trimmingCharacters(in: .whitespaces).isEmpty, "\(code) \(language) title", sourceLocation: sourceLocation)
            #expect(!text.detail.trimmingCharacters(in: .whitespaces).isEmpty, "\(code) \(language) detail", sourceLocation: sourceLocation)
        }
    }

    /// The wire strings of the `static let name: Code = "…"` members of `owner.Code`
    /// (`MarkingError` or `CodeFormatError`), read from every source file: the type's own
    /// declaration and its extensions in other modules (as OwnershipBatch's document
    /// field codes).
    static func declaredRawValues(of owner: String) throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = try #require(FileManager.default.enumerator(at: root.appendingPathComponent("Sources"), includingPropertiesForKeys: nil))
        let declaration = try Regex(#"static\s+let\s+\w+\s*:\s*(?:Self|Code|\#(owner)\.Code)\s*=\s*"([^"]+)""#)
        var rawValues: Set<String> = []
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            let declaresOwner = text.contains("struct \(owner):")
            var closing: Substring?  // the line that ends the `Code` declaration being read
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if let end = closing {
                    if line == end {
                        closing = nil
                    } else if let match = line.firstMatch(of: declaration), let rawValue = match.output[1].substring {
                        rawValues.insert(String(rawValue))
                    }
                } else if line.hasPrefix("extension \(owner).Code"), line.hasSuffix("{") {
                    closing = "}"
                } else if declaresOwner, let start = line.range(of: "struct Code:"), line.hasSuffix("{") {
                    closing = line[..<start.lowerBound].prefix { $0 == " " } + "}"
                }
            }
        }
        return rawValues
    }
}
