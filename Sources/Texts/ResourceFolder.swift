import Foundation

/// Where a module's resource folder is: the folder SwiftPM builds beside the executable
/// (`<package>_<Module>.resources`, in `.build/release` or `.build/debug`).
///
/// Found here rather than through `Bundle.module`, whose generated accessor stops the
/// process with a `fatalError` when the folder is missing (say, a binary copied without
/// it): a module that reads its resources turns a missing folder into its own typed
/// error, reported when the server starts.
public enum ResourceFolder {
    /// The places looked in: beside the executable as started, then beside the file a
    /// symbolic link to it names.
    public static var places: [URL] {
        var places = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), executable != places[0] {
            places.append(executable)
        }
        return places
    }

    /// The resource folder of `module` in the first of `places` that holds one, `nil`
    /// when none does.
    public static func of(module: String, in places: [URL] = places) -> URL? {
        let suffix = "_\(module).resources"
        for place in places {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: place.path)) ?? []
            if let name = names.filter({ $0.hasSuffix(suffix) }).sorted().first {
                return place.appendingPathComponent(name)
            }
        }
        return nil
    }

    /// Says where `module`'s folder was looked for, for an error that stops the start.
    public static func missing(module: String, in places: [URL] = places) -> String {
        "the resource folder of \(module) (*_\(module).resources) is not beside the executable in "
            + places.map(\.path).joined(separator: " or ") + "; it is built beside the binary (.build/release): ship the two together"
    }
}
