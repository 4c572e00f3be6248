import Foundation

/// The files shipped in `Resources/` (templates, CSS, JS; the texts are the `Texts`
/// module's), read through `Bundle.module`, which finds them beside the executable in
/// any build folder.
enum WebResources {
    static func data(_ path: String) throws(WebAppError) -> Data {
        let url = Bundle.module.bundleURL.appendingPathComponent("Resources/" + path)
        guard let data = try? Data(contentsOf: url) else {
            throw WebAppError(.resource, "the resource \(path) is missing from the WebApp bundle")
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
