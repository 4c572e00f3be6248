import Foundation

/// Every text the system shows, one catalogue per language: `Resources/kk.json`,
/// `ru.json` and `en.json`, JSON objects of flat keys. They hold the web application's
/// texts (`nav_check`, `check_title`, …) and the API's problem titles and details
/// (`problem.<code>.title`, `problem.<code>.detail`, see `MarkingHTTP`'s
/// `ProblemCatalog`). A page or an answer is written from one language's catalogue
/// only, so none mixes languages; a test holds the three files to the same keys.
public struct TextCatalogue: Sendable {
    /// The texts by language, then by key.
    public let texts: [Language: [String: String]]

    /// A catalogue of the given texts (the bundled one is ``bundled()``).
    public init(texts: [Language: [String: String]]) {
        self.texts = texts
    }

    /// The catalogue shipped with this module, read from its resources once per process
    /// and shared by every reader (the API's problems and the web pages).
    public static func bundled() throws(TextsError) -> TextCatalogue {
        try shared.get()
    }

    /// The outcome of reading the bundled files: read once, on first use, so a failure
    /// is the same typed error for every caller (the server asks at start and stops).
    private static let shared: Result<TextCatalogue, TextsError> = {
        do throws(TextsError) {
            guard let folder = ResourceFolder.of(module: "Texts") else {
                throw TextsError(.resource, ResourceFolder.missing(module: "Texts"))
            }
            return .success(try load(from: folder.appendingPathComponent("Resources")))
        } catch {
            return .failure(error)
        }
    }()

    /// Reads `kk.json`, `ru.json` and `en.json` from `folder`; throws when one is missing
    /// or is not a JSON object of strings.
    public static func load(from folder: URL) throws(TextsError) -> TextCatalogue {
        var texts: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let file = "\(language.rawValue).json"
            let data: Data
            do {
                data = try Data(contentsOf: folder.appendingPathComponent(file))
            } catch {
                throw TextsError(.resource, "the text catalogue \(file) is missing from \(folder.path)", cause: error)
            }
            do {
                texts[language] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw TextsError(.malformed, "the text catalogue \(file) is not a JSON object of strings", cause: error)
            }
        }
        return TextCatalogue(texts: texts)
    }

    /// The text of `key` in `language`; the key itself when missing (a test checks
    /// every catalogue has every key, so a missing one shows up there first).
    public func text(_ key: String, _ language: Language) -> String {
        texts[language]?[key] ?? key
    }

    /// The text of `key` with `%1` replaced by `value`: the word order around a
    /// number differs between Kazakh, Russian and English, so the number goes where
    /// each catalogue puts it.
    public func text(_ key: String, _ language: Language, _ value: String) -> String {
        text(key, language).replacingOccurrences(of: "%1", with: value)
    }

    /// The text of `key` in `language`, for texts resolved once at start: throws when
    /// the catalogue lacks it or it is blank, so a missing text stops the start.
    public func required(_ key: String, _ language: Language) throws(TextsError) -> String {
        guard let text = texts[language]?[key], !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw TextsError(.missingKey, "the \(language.rawValue) text catalogue has no text for \(key)")
        }
        return text
    }
}
