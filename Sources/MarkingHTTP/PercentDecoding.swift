/// Percent-decoding (RFC 3986) to bytes, for marking codes in URLs.
///
/// Codes are decoded to bytes, not to a `String`: a scanner's FNC1 byte 0xE8 is not
/// UTF-8. `+` stays `+` (it is a serial character, not a space), and a `%` not
/// followed by two hex digits stays as it is.
public enum PercentDecoding {
    public static func bytes(_ text: some StringProtocol) -> [UInt8] {
        // A native string's bytes are read in place (the pointer lives only for the call):
        // one array per call, the output.
        text.utf8.withContiguousStorageIfAvailable(decode) ?? Array(text.utf8).withUnsafeBufferPointer(decode)
    }

    private static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return output
    }

    /// The value of the query parameter `name` in a raw query string, decoded to bytes.
    public static func queryValue(_ name: String, in query: String?) -> [UInt8]? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard bytes(parts[0]) == Array(name.utf8) else { continue }
            return parts.count > 1 ? bytes(parts[1]) : []
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
