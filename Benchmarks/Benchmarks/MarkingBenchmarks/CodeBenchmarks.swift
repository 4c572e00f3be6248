import Benchmark
import Emitter
import MarkingCore

/// The per-code hot paths over the 1,024 codes of ``CodeCorpus``; every figure reads
/// per code.
///
/// Paths of hundreds of nanoseconds take one code per sample, the next code each
/// time (``Benchmark/currentIteration``). Paths of tens of nanoseconds take 1,000 per
/// sample (`scalingFactor: .kilo`), which is still under 0.1 ms. Short samples are the
/// point: the threshold check reads the 90th percentile, and on this shared 2-core VM
/// a sample of half a millisecond is preempted often enough to move it.
///
/// Results go to `blackHole`, and buffers written in place are handed to it as a
/// whole, so the optimiser can drop neither the work nor its stores.
func registerCodeBenchmarks(_ corpus: CodeCorpus) {
    registerParseBenchmarks(corpus)
    registerFormatBenchmarks(corpus)
    registerTailBenchmarks(corpus)
    registerPermutationBenchmarks(corpus)
    registerRecordBenchmarks(corpus)
}

/// ``CodeParser`` on the shapes that reach it: lines of the engine's own files, a
/// keyboard-wedge scanner, a person typing the printed text, and short AI 93 codes.
private func registerParseBenchmarks(_ corpus: CodeCorpus) {
    let parser = CodeParser()
    let shapes: [(name: String, lines: [[UInt8]])] = [
        // 01…21…<0x1D>91…<0x1D>92…: the engine's own files and most printing systems.
        ("Parse-element-string-GS-byte", corpus.elementStrings),
        // ]d2 01…21…<GS>91…<GS>92… with <GS> typed as four characters.
        ("Parse-scanner-d2-prefix-GS-text", corpus.wedgeStrings),
        // (01)…(21)…(91)…(92)…
        ("Parse-human-readable", corpus.humanReadable),
        // 01…21…<0x1D>93…, read after the 13-character serial has failed.
        ("Parse-s7-93-element-string", corpus.shortElementStrings),
    ]
    for (name, lines) in shapes {
        Benchmark(name) { benchmark in
            do {
                blackHole(try parser.parse(bytes: lines[benchmark.currentIteration & CodeCorpus.mask]))
            } catch {
                benchmark.error("\(name): \(error)")
            }
        }
    }
}

/// Writing a code out: the element string and human-readable text of check answers,
/// and the NDJSON line of downloads (the format that escapes per byte).
private func registerFormatBenchmarks(_ corpus: CodeCorpus) {
    let codes = corpus.codes
    Benchmark("Format-element-string") { benchmark in
        blackHole(codes[benchmark.currentIteration & CodeCorpus.mask].formatted())
    }
    Benchmark("Format-human-readable") { benchmark in
        blackHole(codes[benchmark.currentIteration & CodeCorpus.mask].humanReadable)
    }
    let lines = corpus.elementStrings
    var output: [UInt8] = []
    output.reserveCapacity(256)
    Benchmark("Format-NDJSON-line") { benchmark in
        output.removeAll(keepingCapacity: true)
        lines[benchmark.currentIteration & CodeCorpus.mask].withUnsafeBufferPointer {
            CodeListFormat.ndjson.append(code: $0, to: &output)
        }
        blackHole(output)
    }
}

/// The HMAC-SHA256 tail: written in place as emission and download do, and compared in
/// stack buffers as batch jobs do for every code that arrives with its tail.
private func registerTailBenchmarks(_ corpus: CodeCorpus) {
    let signer = corpus.signer
    let cisBytes = corpus.cisBytes
    let cisLength = corpus.cisLength
    Benchmark("Tail-compute-AI-92") { benchmark in
        cisBytes.withUnsafeBytes { cis in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 44) { tail in
                let start = cis.baseAddress! + (benchmark.currentIteration & CodeCorpus.mask) * cisLength
                let count = signer.writeTail(
                    of: UnsafeRawBufferPointer(start: start, count: cisLength), kind: .keyIdAndMAC,
                    to: tail.baseAddress!)
                blackHole(count)
                blackHole(tail)
            }
        }
    }
    let pairs = corpus.codes.map { (cis: $0.cis, tail: $0.tail!) }
    Benchmark("Tail-verify-AI-92") { benchmark in
        let pair = pairs[benchmark.currentIteration & CodeCorpus.mask]
        let matches = signer.matches(pair.cis, tail: pair.tail, kind: .keyIdAndMAC)
        if !matches { benchmark.error("a corpus tail does not verify") }
        blackHole(matches)
    }
}

/// The keyed Feistel permutation: serial of a counter (emission) and preimage of a
/// scanned serial read in place (the batch-job fast path that finds a record).
private func registerPermutationBenchmarks(_ corpus: CodeCorpus) {
    let permutation = corpus.permutation
    let length = permutation.length
    Benchmark("Permutation-serial-for-counter", configuration: .init(scalingFactor: .kilo)) { benchmark in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { serial in
            for index in benchmark.scaledIterations {
                permutation.writeSerial(counter: CodeCorpus.firstCounter &+ UInt64(index), to: serial.baseAddress!)
                blackHole(serial)
            }
        }
    }
    let serialBytes = corpus.serialBytes
    Benchmark("Permutation-preimage-of-serial", configuration: .init(scalingFactor: .kilo)) { benchmark in
        serialBytes.withUnsafeBytes { serials in
            for index in benchmark.scaledIterations {
                let start = serials.baseAddress! + (index & CodeCorpus.mask) * length
                blackHole(permutation.preimage(ofBytes: UnsafeRawBufferPointer(start: start, count: length)))
            }
        }
    }
}

/// The 48-byte record: encoded into every write and decoded from every read.
private func registerRecordBenchmarks(_ corpus: CodeCorpus) {
    let records = corpus.records
    Benchmark("Record-encode-48-bytes", configuration: .init(scalingFactor: .kilo)) { benchmark in
        withUnsafeTemporaryAllocation(byteCount: CodeRecord.size, alignment: 8) { buffer in
            for index in benchmark.scaledIterations {
                records[index & CodeCorpus.mask].encode(to: buffer.baseAddress!)
                blackHole(buffer)
            }
        }
    }
    let encoded = corpus.encodedRecords
    Benchmark("Record-decode-48-bytes", configuration: .init(scalingFactor: .kilo)) { benchmark in
        encoded.withUnsafeBytes { bytes in
            for index in benchmark.scaledIterations {
                let start = bytes.baseAddress! + (index & CodeCorpus.mask) * CodeRecord.size
                blackHole(CodeRecord(UnsafeRawBufferPointer(start: start, count: CodeRecord.size)))
            }
        }
    }
}
