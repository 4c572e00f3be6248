import MarkingCore
import RocksDB

/// The work of one shard queue over a contiguous part of an order's range: for every
/// counter, the storage key and record go into a write batch and, when codes are
/// wanted, the serial and tail are generated and formatted into an output block.
///
/// Everything per code happens in fixed buffers allocated once per shard: the record
/// bytes are the same for every code of the order, the key differs only in its last
/// bytes, and the CIS differs only in its serial.
struct ShardJob: Sendable {
    let store: MarkingStore
    let permutation: SerialPermutation
    let signer: KeyedTailSigner
    let template: CodeTemplate
    let gtin: GTIN
    let record: [UInt8]
    let skipped: Set<UInt64>
    let persist: Bool
    let format: CodeListFormat
    let sink: (any CodeSink)?
    let progress: EmissionProgress?

    func run(from start: UInt64, to end: UInt64) throws {
        let serialLength = template.serialLength
        let keyLength = CodeKey.length(forSerialLength: serialLength)
        let batch = WriteBatch()
        let codes = store.families.codes
        // Code layout: 01 GTIN 21 serial [GS 91 key GS 92 tail44 | GS 93 tail4].
        let cisLength = 18 + serialLength
        let codeCapacity = cisLength + 2 + 2 + 4 + 1 + 2 + 44
        let key = UnsafeMutablePointer<UInt8>.allocate(capacity: keyLength)
        let code = UnsafeMutablePointer<UInt8>.allocate(capacity: codeCapacity)
        defer {
            key.deallocate()
            code.deallocate()
        }
        _ = CodeKey.write(gtin: gtin, serialLength: serialLength, preimage: 0, to: key)
        let prefix = Array(CIS(gtin: gtin, serial: Serial(validatedBytes: Array(repeating: 0x30, count: serialLength))).bytes)
        code.initialize(from: prefix, count: 18)
        let keyIDBytes = Array(signer.keyID.utf8)
        var block: [UInt8] = []
        block.reserveCapacity(Emitter.chunkSize * (codeCapacity + 16))

        var chunkStart = start
        while chunkStart < end {
            let chunkEnd = min(end, chunkStart + UInt64(Emitter.chunkSize))
            var written = 0
            for counter in chunkStart..<chunkEnd {
                if !skipped.isEmpty, skipped.contains(counter) { continue }
                if persist {
                    var value = counter
                    for index in stride(from: keyLength - 1, through: 9, by: -1) {
                        key[index] = UInt8(truncatingIfNeeded: value)
                        value >>= 8
                    }
                    // `key` holds `keyLength` initialised bytes and `record` outlives the
                    // call; RocksDB copies both into the batch.
                    record.withUnsafeBytes { recordBytes in
                        batch.put(UnsafeRawBufferPointer(start: key, count: keyLength), recordBytes, in: codes)
                    }
                }
                if sink != nil {
                    permutation.writeSerial(counter: counter, to: code + 18)
                    var length = cisLength
                    code[length] = 0x1D
                    switch template.tail {
                    case .keyIdAndMAC:
                        code[length + 1] = UInt8(ascii: "9")
                        code[length + 2] = UInt8(ascii: "1")
                        for index in 0..<4 { code[length + 3 + index] = keyIDBytes[index] }
                        code[length + 7] = 0x1D
                        code[length + 8] = UInt8(ascii: "9")
                        code[length + 9] = UInt8(ascii: "2")
                        length += 10
                    case .shortMAC:
                        code[length + 1] = UInt8(ascii: "9")
                        code[length + 2] = UInt8(ascii: "3")
                        length += 3
                    }
                    // The CIS occupies the first `cisLength` initialised bytes of `code`;
                    // the tail is written after them, within `codeCapacity`.
                    length += signer.writeTail(of: UnsafeRawBufferPointer(start: code, count: cisLength), kind: template.tail, to: code + length)
                    format.append(code: UnsafeBufferPointer(start: code, count: length), to: &block)
                }
                written += 1
            }
            if persist {
                try store.database.write(batch, sync: false)
                batch.clear()
            }
            if let sink {
                try sink.consume(block)
                block.removeAll(keepingCapacity: true)
            }
            progress?.add(written)
            chunkStart = chunkEnd
        }
    }
}
