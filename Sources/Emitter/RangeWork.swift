import MarkingCore

/// Generates the codes of a contiguous part of an order's range: serial by the
/// permutation, tail by the pre-keyed HMAC, the line in the requested format.
///
/// Everything per code happens in one fixed buffer allocated once per shard: the CIS
/// differs from code to code only in its serial, the rest of the code only in its tail.
struct CodeGenerator: Sendable {
    let permutation: SerialPermutation
    let signer: KeyedTailSigner
    let template: CodeTemplate
    let gtin: GTIN
    let skipped: Set<UInt64>
    let format: CodeListFormat
    let sink: any CodeSink
    let progress: EmissionProgress?
    /// When the records are being written meanwhile: a block is handed to the sink
    /// only once its records are synced.
    var durable: DurableFrontier? = nil

    func run(from start: UInt64, to end: UInt64) throws {
        let serialLength = template.serialLength
        // Code layout: 01 GTIN 21 serial [GS 91 key GS 92 tail44 | GS 93 tail4].
        let cisLength = 18 + serialLength
        let codeCapacity = cisLength + 10 + 44
        let code = UnsafeMutablePointer<UInt8>.allocate(capacity: codeCapacity)
        defer { code.deallocate() }
        code.initialize(repeating: 0, count: codeCapacity)
        let prefix = CIS(gtin: gtin, serial: Serial(validatedBytes: Array(repeating: 0x30, count: serialLength))).bytes
        code.update(from: prefix, count: 18)
        var suffixLength = 0
        switch template.tail {
        case .keyIdAndMAC:
            let suffix = [0x1D] + Array("91".utf8) + Array(signer.keyID.utf8) + [0x1D] + Array("92".utf8)
            (code + cisLength).update(from: suffix, count: suffix.count)
            suffixLength = suffix.count
        case .shortMAC:
            let suffix = [0x1D] + Array("93".utf8)
            (code + cisLength).update(from: suffix, count: suffix.count)
            suffixLength = suffix.count
        }
        var block: [UInt8] = []
        block.reserveCapacity(Emitter.chunkSize * (codeCapacity + 16))
        var chunkStart = start
        while chunkStart < end {
            let chunkEnd = min(end, chunkStart + UInt64(Emitter.chunkSize))
            var generated = 0
            for counter in chunkStart..<chunkEnd {
                if !skipped.isEmpty, skipped.contains(counter) { continue }
                permutation.writeSerial(counter: counter, to: code + 18)
                // The CIS is the first `cisLength` initialised bytes of `code`; the tail
                // goes after the fixed separators, within `codeCapacity`.
                let tailLength = signer.writeTail(
                    of: UnsafeRawBufferPointer(start: code, count: cisLength), kind: template.tail,
                    to: code + cisLength + suffixLength)
                format.append(code: UnsafeBufferPointer(start: code, count: cisLength + suffixLength + tailLength), to: &block)
                generated += 1
            }
            try durable?.wait(until: chunkEnd)
            try sink.consume(block)
            block.removeAll(keepingCapacity: true)
            progress?.addGenerated(generated)
            chunkStart = chunkEnd
        }
    }
}
