/// How the tail of a code is carried.
public enum TailKind: String, Sendable, Hashable, Codable {
    /// AI 91 with the 4-character key id, then AI 92 with the 44-character HMAC in base64.
    case keyIdAndMAC = "91+92"
    /// AI 93 with the first 3 bytes of the HMAC in base64 (4 characters); the key id is
    /// kept in the stored record.
    case shortMAC = "93"
}

/// The shape of a product group's codes: serial length and tail kind.
///
/// Templates are data, not code: a new product group with another shape is a new entry
/// in ``TemplateCatalog``, nothing else.
public struct CodeTemplate: Sendable, Hashable, Codable {
    /// A stable number stored in code records.
    public var id: UInt8
    /// A short readable name used on the command line and in the API.
    public var name: String
    /// The number of serial characters (1...20).
    public var serialLength: Int
    public var tail: TailKind

    public init(id: UInt8, name: String, serialLength: Int, tail: TailKind) {
        self.id = id
        self.name = name
        self.serialLength = serialLength
        self.tail = tail
    }

    /// The length of the tail characters after the AI.
    public var tailLength: Int { tail == .keyIdAndMAC ? 44 : 4 }
}

/// The templates an engine knows.
public struct TemplateCatalog: Sendable {
    public let templates: [CodeTemplate]

    public init(_ templates: [CodeTemplate]) {
        self.templates = templates
    }

    /// The three shapes of DESIGN.md section 2: most product groups; short codes
    /// (tobacco packs and similar); dairy-like codes.
    public static let standard = TemplateCatalog([
        CodeTemplate(id: 1, name: "s13-91-92", serialLength: 13, tail: .keyIdAndMAC),
        CodeTemplate(id: 2, name: "s7-93", serialLength: 7, tail: .shortMAC),
        CodeTemplate(id: 3, name: "s6-93", serialLength: 6, tail: .shortMAC),
    ])

    /// The template used when an order names none.
    public var defaultTemplate: CodeTemplate { templates[0] }

    /// The template called `name`.
    public func named(_ name: String) throws(MarkingError) -> CodeTemplate {
        guard let template = templates.first(where: { $0.name == name }) else {
            let known = templates.map(\.name).joined(separator: ", ")
            throw MarkingError(.unknownTemplate, "unknown template '\(name)'; known templates: \(known)")
        }
        return template
    }

    /// The template with stored number `id`.
    public func withID(_ id: UInt8) -> CodeTemplate? { templates.first { $0.id == id } }

    /// The distinct serial lengths, longest first.
    public var serialLengths: [Int] { Array(Set(templates.map(\.serialLength))).sorted(by: >) }
}
