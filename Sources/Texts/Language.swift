import Foundation

/// A language the system speaks, in its pages and its API's problem answers: Kazakh,
/// Russian or English, each with its own catalogue of texts (``TextCatalogue``).
public enum Language: String, Sendable, CaseIterable {
    case kk, ru, en

    /// The language used when `Accept-Language` names none of ours.
    public static let fallback: Language = .ru

    /// The best of ours for an `Accept-Language` header value (RFC 9110 §12.5.4):
    /// the supported language with the highest `q`, ties to the earlier one;
    /// ``fallback`` when none matches or the header is absent.
    public init(acceptLanguage header: String?) {
        guard let header else {
            self = Self.fallback
            return
        }
        var best: (language: Language, quality: Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let tag = parts.first?.trimmingCharacters(in: .whitespaces).lowercased() else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("q="), let value = Double(pair.dropFirst(2)) { quality = value }
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard quality > 0, let language = Language(rawValue: primary) else { continue }
            if best == nil || quality > best!.quality { best = (language, quality) }
        }
        self = best?.language ?? Self.fallback
    }
}
