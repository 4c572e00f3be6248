import Foundation
import Texts

/// The files shipped in `Resources/` (templates, CSS, JS; the texts are the `Texts`
/// module's), read from the module's resource folder beside the executable
/// (``Texts/ResourceFolder``, not `Bundle.module`, which stops the process when the
/// folder is missing): a missing folder or file is a ``WebAppError`` at start.
enum WebResources {
    /// The resource folder, or why there is none.
    static let folder: Result<URL, WebAppError> = folder(in: ResourceFolder.places)

    /// The module's folder in the first of `places` that holds one; a
    /// `webapp.resource` error naming the places when none does.
    static func folder(in places: [URL]) -> Result<URL, WebAppError> {
        guard let folder = ResourceFolder.of(module: "WebApp", in: places) else {
            return .failure(WebAppError(.resource, ResourceFolder.missing(module: "WebApp", in: places)))
        }
        return .success(folder)
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
