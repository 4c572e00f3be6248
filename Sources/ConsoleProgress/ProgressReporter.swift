import Dispatch
import Foundation
import Synchronization

/// Shows how far a long run is on standard error: a redrawn bar with rate and ETA on a
/// terminal, a plain line every few seconds otherwise (logs, CI), nothing when quiet.
public final class ProgressReporter: Sendable {
    private let line: ProgressLine
    private let timer: Mutex<DispatchSourceTimer?>

    /// Starts reporting. `total` and `completed` are polled from a timer queue.
    public init(label: String, quiet: Bool = false, total: @escaping @Sendable () -> Int, completed: @escaping @Sendable () -> Int) {
        let line = ProgressLine(label: label, total: total, completed: completed)
        self.line = line
        guard !quiet else {
            timer = Mutex(nil)
            return
        }
        let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "marking.progress"))
        source.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        source.setEventHandler { line.draw(final: false) }
        source.resume()
        timer = Mutex(source)
    }

    /// Stops the timer and, on a terminal, finishes the bar's line. Safe to call twice.
    public func finish() {
        let stopped = timer.withLock { timer -> Bool in
            guard let source = timer else { return false }
            source.cancel()
            timer = nil
            return true
        }
        if stopped, line.isTerminal { line.draw(final: true) }
    }

    /// A rate such as `1.23M` or `850K`.
    public static func rate(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%.2fM", value / 1_000_000) }
        if value >= 1_000 { return String(format: "%.0fK", value / 1_000) }
        return String(format: "%.0f", value)
    }
}

/// Draws one progress line; shared between the reporter and its timer.
private final class ProgressLine: Sendable {
    let label: String
    let total: @Sendable () -> Int
    let completed: @Sendable () -> Int
    let started = ContinuousClock.now
    let isTerminal = isatty(STDERR_FILENO) != 0
    let lastPlainLine = Mutex<ContinuousClock.Instant?>(nil)

    init(label: String, total: @escaping @Sendable () -> Int, completed: @escaping @Sendable () -> Int) {
        self.label = label
        self.total = total
        self.completed = completed
    }

    func draw(final: Bool) {
        let done = completed()
        let total = max(total(), 1)
        let seconds = max((ContinuousClock.now - started).seconds, 0.001)
        let rate = Double(done) / seconds
        let eta = rate > 0 ? Double(max(total - done, 0)) / rate : 0
        let fraction = min(1, Double(done) / Double(total))
        let summary = "\(Int(fraction * 100))% \(done)/\(total) \(ProgressReporter.rate(rate))/s ETA \(Int(eta.rounded()))s"
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            writeToStandardError("\r\(label) [\(bar)] \(summary)\u{1B}[K" + (final ? "\n" : ""))
        } else {
            let due = lastPlainLine.withLock { last -> Bool in
                if let last, ContinuousClock.now - last < .seconds(5) { return false }
                last = ContinuousClock.now
                return true
            }
            if due { writeToStandardError("\(label): \(summary)\n") }
        }
    }
}

/// Writes `text` to standard error, unbuffered.
public func writeToStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
