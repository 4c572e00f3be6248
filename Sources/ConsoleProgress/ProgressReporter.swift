import Dispatch
import Foundation
import Synchronization

/// Shows how far a long run is on standard error: a redrawn bar with rate and ETA on a
/// terminal, a plain line every few seconds otherwise (logs, CI), nothing when quiet.
public final class ProgressReporter: Sendable {
    private let line: ProgressLine
    private let timer: Mutex<DispatchSourceTimer?>

    /// Starts reporting. `total` and `completed` are polled from a timer queue.
    public convenience init(label: String, quiet: Bool = false, total: @escaping @Sendable () -> Int, completed: @escaping @Sendable () -> Int) {
        self.init(line: ProgressLine(label: label, measure: .items(total: total, completed: completed)), quiet: quiet)
    }

    /// Starts reporting a run bounded by time rather than by a count (a load run): the
    /// bar and the ETA follow the clock over `duration`, the rate is `count` per second
    /// over the last interval, and `detail` (errors, say) ends the line.
    public convenience init(
        label: String, quiet: Bool = false, duration: Duration, count: @escaping @Sendable () -> Int,
        detail: @escaping @Sendable () -> String = { "" }
    ) {
        self.init(line: ProgressLine(label: label, measure: .time(duration: duration, count: count, detail: detail)), quiet: quiet)
    }

    private init(line: ProgressLine, quiet: Bool) {
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
    /// What the line measures progress by.
    enum Measure: Sendable {
        /// Items done out of a total.
        case items(total: @Sendable () -> Int, completed: @Sendable () -> Int)
        /// Time elapsed out of a duration, with a count whose recent rate is shown.
        case time(duration: Duration, count: @Sendable () -> Int, detail: @Sendable () -> String)
    }

    let label: String
    let measure: Measure
    let started = ContinuousClock.now
    let isTerminal = isatty(STDERR_FILENO) != 0
    let lastPlainLine = Mutex<ContinuousClock.Instant?>(nil)
    /// The count and time of the previous line drawn, for the recent rate.
    let previous = Mutex<(count: Int, at: ContinuousClock.Instant)?>(nil)

    init(label: String, measure: Measure) {
        self.label = label
        self.measure = measure
    }

    func draw(final: Bool) {
        if !isTerminal {
            let due = lastPlainLine.withLock { last -> Bool in
                if let last, ContinuousClock.now - last < .seconds(5) { return false }
                last = ContinuousClock.now
                return true
            }
            guard due else { return }
        }
        let fraction: Double
        let summary: String
        switch measure {
        case .items(let total, let completed):
            let done = completed()
            let total = max(total(), 1)
            let seconds = max((ContinuousClock.now - started).seconds, 0.001)
            let rate = Double(done) / seconds
            let eta = rate > 0 ? Double(max(total - done, 0)) / rate : 0
            fraction = min(1, Double(done) / Double(total))
            summary = "\(Int(fraction * 100))% \(done)/\(total) \(ProgressReporter.rate(rate))/s ETA \(Int(eta.rounded()))s"
        case .time(let duration, let count, let detail):
            let now = ContinuousClock.now
            let elapsed = (now - started).seconds
            let total = max(duration.seconds, 0.001)
            let done = count()
            let rate = previous.withLock { previous -> Double in
                defer { previous = (done, now) }
                guard let (count, at) = previous, (now - at).seconds > 0 else { return Double(done) / max(elapsed, 0.001) }
                return Double(done - count) / (now - at).seconds
            }
            fraction = min(1, elapsed / total)
            let extra = detail()
            summary = "\(Int(fraction * 100))% \(Int(elapsed))/\(Int(total))s \(done) done \(ProgressReporter.rate(rate))/s"
                + (extra.isEmpty ? "" : " " + extra) + " ETA \(Int(max(0, total - elapsed).rounded()))s"
        }
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            writeToStandardError("\r\(label) [\(bar)] \(summary)\u{1B}[K" + (final ? "\n" : ""))
        } else {
            writeToStandardError("\(label): \(summary)\n")
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
