import Hummingbird
// Re-exported: `Language` and the text catalogue moved below this module, and callers
// that name them through MarkingHTTP (`Language(request.headers)`) keep compiling.
@_exported import Texts

extension Language {
    /// The language asked for by a request's `Accept-Language` header.
    public init(_ fields: HTTPFields) {
        self.init(acceptLanguage: fields[.acceptLanguage])
    }
}
