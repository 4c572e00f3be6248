import Foundation
import LoadClient
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Takes a downloaded code list (text, one code per line) as it streams in: counts
/// its lines, checks that each is a code of the ordered GTIN, and optionally writes
/// it to a file (for a later document) and offers each line to a ``CodeSample``. The
/// list is never held whole in memory.
final class CodeListConsumer: BodyConsumer {
    private struct State {
        var lines = 0
        var wrongLines = 0
        /// The start of a line the previous chunk cut off.
        var carry: [UInt8] = []
        var descriptor: Int32 = -1
    }

    private let state = Mutex(State())
    private let prefix: [UInt8]
    private let sample: CodeSample?
    private let progress: ProgressCounter?

    /// Lines must start with `01` + `gtin` + `21`; `file` receives the bytes when given.
    init(gtin: String, file: String? = nil, sample: CodeSample? = nil, progress: ProgressCounter? = nil) throws {
        prefix = Array("01\(gtin)21".utf8)
        self.sample = sample
        self.progress = progress
        if let file {
            let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard descriptor >= 0 else { throw HTTPBenchError(.setup, "cannot create \(file)") }
            state.withLock { $0.descriptor = descriptor }
        }
    }

    func consume(_ bytes: ByteBuffer) throws {
        let added = try state.withLock { state throws -> Int in
            try bytes.withUnsafeReadableBytes { raw throws -> Int in
                if state.descriptor >= 0 {
                    var written = 0
                    while written < raw.count {
                        let result = write(state.descriptor, raw.baseAddress! + written, raw.count - written)
                        guard result > 0 else { throw HTTPBenchError(.setup, "cannot write a downloaded code list to disk") }
                        written += result
                    }
                }
                return scan(raw, &state)
            }
        }
        progress?.add(added)
    }

    /// Counts and checks the whole lines in `raw` (joining the carried start of a line).
    private func scan(_ raw: UnsafeRawBufferPointer, _ state: inout State) -> Int {
        guard let base = raw.baseAddress else { return 0 }
        var lines: [UnsafeRawBufferPointer] = []
        var start = 0
        var joined: [UInt8] = []
        while start < raw.count, let found = memchr(base + start, 0x0A, raw.count - start) {
            let end = base.distance(to: UnsafeRawPointer(found))
            if !state.carry.isEmpty {
                joined = state.carry + UnsafeRawBufferPointer(rebasing: raw[start..<end])
                state.carry.removeAll(keepingCapacity: true)
            } else {
                lines.append(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            }
            start = end + 1
        }
        if start < raw.count { state.carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start...])) }
        let count = lines.count + (joined.isEmpty ? 0 : 1)
        joined.withUnsafeBytes { joinedLine in
            if !joined.isEmpty { lines.insert(joinedLine, at: 0) }
            for line in lines where !hasPrefix(line) { state.wrongLines += 1 }
            sample?.offer(lines)
        }
        state.lines += count
        return count
    }

    private func hasPrefix(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count > prefix.count && prefix.withUnsafeBytes { memcmp($0.baseAddress!, line.baseAddress!, prefix.count) == 0 }
    }

    /// Closes the file and returns the count of lines, failing when a line was not a
    /// code of the ordered GTIN or the list did not end with a line break.
    func finish() throws -> Int {
        try state.withLock { state throws -> Int in
            if state.descriptor >= 0 {
                close(state.descriptor)
                state.descriptor = -1
            }
            guard state.carry.isEmpty else { throw HTTPBenchError(.verification, "a code list ended in the middle of a line") }
            guard state.wrongLines == 0 else {
                throw HTTPBenchError(.verification, "\(state.wrongLines) downloaded lines are not codes of the ordered GTIN")
            }
            return state.lines
        }
    }
}

/// A uniform random sample of the codes downloaded so far (reservoir sampling): the
/// codes a lookup run checks, spread over the whole store, not its first orders.
final class CodeSample: Sendable {
    private struct Reservoir {
        var capacity: Int
        var seen = 0
        var lines: [[UInt8]] = []
        var random = FastRandom(seed: UInt64.random(in: .min ... .max))
    }

    private let reservoir: Mutex<Reservoir>

    init(capacity: Int) {
        reservoir = Mutex(Reservoir(capacity: capacity))
    }

    /// Offers every line of one downloaded chunk.
    func offer(_ lines: [UnsafeRawBufferPointer]) {
        reservoir.withLock { reservoir in
            for line in lines {
                if reservoir.lines.count < reservoir.capacity {
                    reservoir.lines.append(Array(line))
                } else {
                    let slot = Int.random(in: 0...reservoir.seen, using: &reservoir.random)
                    if slot < reservoir.capacity { reservoir.lines[slot] = Array(line) }
                }
                reservoir.seen += 1
            }
        }
    }

    /// The codes kept.
    var lines: [[UInt8]] { reservoir.withLock { $0.lines } }
}

/// SplitMix64: a cheap, evenly spread generator for sampling. The system generator
/// makes a system call per number, which over ten million lines is seconds.
struct FastRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
