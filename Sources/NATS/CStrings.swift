#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C copies of Swift strings that live as long as the arena.
///
/// nats.c's configuration structs (`jsStreamConfig`, `jsSubOptions`, server lists)
/// hold `const char *` fields that must stay valid for the whole call that reads
/// them; a `withCString` closure per field nests badly. Callers keep the arena alive
/// across the C call with `withExtendedLifetime`.
final class CStrings {
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutablePointer<UnsafePointer<CChar>?>] = []

    /// A NUL-terminated copy of `string`.
    func copy(_ string: String) -> UnsafePointer<CChar> {
        let copy = strdup(string)!
        strings.append(copy)
        return UnsafePointer(copy)
    }

    /// A copy of `string`, or `NULL` for `nil`.
    func copy(_ string: String?) -> UnsafePointer<CChar>? {
        string.map { copy($0) }
    }

    /// A C array of copies of `list` (`const char **`).
    func array(_ list: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(list.count, 1))
        for (index, string) in list.enumerated() { array[index] = copy(string) }
        arrays.append(array)
        return array
    }

    deinit {
        strings.forEach { free($0) }
        arrays.forEach { $0.deallocate() }
    }
}

/// A Swift string from a C string that may be `NULL`.
func string(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}
