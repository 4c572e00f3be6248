import Foundation
import MarkingHTTP

/// Every text of the web application, one catalogue per language
/// (`Resources/texts/kk.json`, `ru.json`, `en.json`, flat keys): a page is rendered
/// from one catalogue only, so no page mixes languages. The problem texts of the API
/// come from ``MarkingHTTP/ProblemCatalog`` in the same language.
public struct WebCatalogue: Sendable {
    /// The texts by language, then by key.
    public let texts: [Language: [String: String]]

    /// Reads the three catalogues shipped with the module.
    public static func bundled() throws(WebAppError) -> WebCatalogue {
        var texts: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let data = try WebResources.data("texts/\(language.rawValue).json")
            do {
                texts[language] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw WebAppError(.resource, "texts/\(language.rawValue).json is not a JSON object of strings: \(error)")
            }
        }
        return WebCatalogue(texts: texts)
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
}

/// The files shipped in `Resources/` (templates, texts, CSS, JS): the resource folder
/// SwiftPM builds beside the executable (`<package>_WebApp.resources`, in
/// `.build/release` or `.build/debug`).
///
/// Found here rather than through `Bundle.module`, whose generated accessor stops the
/// process with a `fatalError` when the folder is missing (say, a binary copied
/// without it): a missing folder or file is a ``WebAppError`` that the server reports
/// at start.
enum WebResources {
    /// The folder's name ends so; its start is the package's name.
    static let folderSuffix = "_WebApp.resources"

    /// The resource folder, or why there is none. Looked for beside the executable as
    /// started, then beside the file a symbolic link to it names.
    static let folder: Result<URL, WebAppError> = {
        var places = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), executable != places[0] {
            places.append(executable)
        }
        return folder(in: places)
    }()

    /// The first folder named `*_WebApp.resources` in `places`; a `webapp.resource`
    /// error naming the places when there is none.
    static func folder(in places: [URL]) -> Result<URL, WebAppError> {
        for place in places {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: place.path)) ?? []
            if let name = names.filter({ $0.hasSuffix(folderSuffix) }).sorted().first {
                return .success(place.appendingPathComponent(name))
            }
        }
        return .failure(
            WebAppError(
                .resource,
                "the web application's resource folder (*\(folderSuffix)) is not beside the executable in "
                    + places.map(\.path).joined(separator: " or ")
                    + "; it is built beside the binary (.build/release): ship the two together"))
    }

    static func data(_ path: String) throws(WebAppError) -> Data {
        let url = try folder.get().appendingPathComponent("Resources/" + path)
        guard let data = try? Data(contentsOf: url) else {
            throw WebAppError(.resource, "the resource \(path) is missing from \((try? folder.get().path) ?? "")")
        }
        return data
    }

    static func text(_ path: String) throws(WebAppError) -> String {
        String(decoding: try data(path), as: UTF8.self)
    }
}

/// Why the web application could not start.
public struct WebAppError: Error, Sendable, CustomStringConvertible {
    /// A stable code for each kind of failure.
    public enum Code: String, Sendable {
        case resource = "webapp.resource"
        case template = "webapp.template"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
