#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding bytes in bytes: `memchr` for the needle's first byte, `memcmp` for the
/// rest (glibc's `memmem` is a GNU extension Swift's Glibc module does not export).
enum ByteSearch {
    /// The offset of the first `needle` in `haystack`, `nil` when there is none.
    static func firstOffset(of needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer) -> Int? {
        guard let base = haystack.baseAddress else { return needle.isEmpty ? 0 : nil }
        guard let first = needle.first else { return 0 }
        let needleBase = needle.baseAddress!
        var offset = 0
        let lastStart = haystack.count - needle.count
        while offset <= lastStart {
            guard let found = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return nil }
            let position = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + position, needleBase, needle.count) == 0 { return position }
            offset = position + 1
        }
        return nil
    }

    /// Whether `haystack` contains `needle`.
    static func contains(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer) -> Bool {
        firstOffset(of: needle, in: haystack) != nil
    }
}
