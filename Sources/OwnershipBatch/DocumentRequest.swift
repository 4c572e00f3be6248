import MarkingCore

/// A document as a participant submits it: its type, number, fields of its type, and
/// the code list (units, group package codes or SSCCs, one per line, any scanner shape).
public struct DocumentRequest: Sendable {
    public var type: DocumentType
    public var participant: UInt32
    public var number: String
    public var date: String?
    /// The new owner (transfer).
    public var receiver: UInt32?
    /// A two-step transfer: the codes are reserved and move only when the receiver
    /// accepts (``JobEngine/accept(_:by:)``).
    public var acceptance: Bool
    /// An ``ExitReason`` name (retirement, write-off).
    public var reason: String?
    /// Import details kept with an introduction.
    public var customsDeclaration: String?
    public var customsDeclarationDate: String?
    public var productionDate: String?
    /// The package that an aggregation fills: an SSCC or a group package's code.
    public var package: String?
    public var packageKind: PackageKind?
    public var codes: CodeList

    public init(
        type: DocumentType, participant: UInt32, number: String, date: String? = nil, receiver: UInt32? = nil,
        reason: String? = nil, customsDeclaration: String? = nil, customsDeclarationDate: String? = nil,
        productionDate: String? = nil, package: String? = nil, packageKind: PackageKind? = nil, acceptance: Bool = false,
        codes: CodeList
    ) {
        self.type = type
        self.participant = participant
        self.number = number
        self.date = date
        self.receiver = receiver
        self.acceptance = acceptance
        self.reason = reason
        self.customsDeclaration = customsDeclaration
        self.customsDeclarationDate = customsDeclarationDate
        self.productionDate = productionDate
        self.package = package
        self.packageKind = packageKind
        self.codes = codes
    }
}

/// A document's code list: one code per line, kept as one byte buffer with line
/// offsets so that a million codes are two allocations, not a million strings.
public struct CodeList: Sendable {
    var bytes: [UInt8]
    var starts: [Int]
    var ends: [Int]

    /// Splits text into lines; blank lines are skipped, `\r\n` is accepted.
    public init(text: some Collection<UInt8>) {
        let bytes = Array(text)
        var starts: [Int] = []
        var ends: [Int] = []
        starts.reserveCapacity(bytes.count / 64)
        ends.reserveCapacity(bytes.count / 64)
        bytes.withUnsafeBufferPointer { buffer in
            var lineStart = 0
            let count = buffer.count
            var index = 0
            while index <= count {
                if index == count || buffer[index] == UInt8(ascii: "\n") {
                    var end = index
                    if end > lineStart, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    var blank = true
                    var position = lineStart
                    while blank, position < end {
                        blank = buffer[position] == 0x20 || buffer[position] == 0x09
                        position += 1
                    }
                    if !blank {
                        starts.append(lineStart)
                        ends.append(end)
                    }
                    lineStart = index + 1
                }
                index += 1
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.ends = ends
    }

    /// One line per code.
    public init(_ codes: [String]) {
        self.init(text: Array(codes.joined(separator: "\n").utf8))
    }

    /// The number of codes.
    public var count: Int { starts.count }

    /// The bytes of line `index` (0-based).
    public func line(_ index: Int) -> ArraySlice<UInt8> { bytes[starts[index]..<ends[index]] }
}
