/// How a changeset moves codes between owners and statuses: what the analytics
/// counters (see `AnalyticsStorage.swift`) are derived from.
///
/// Every code write names the record it replaces (`nil` for a new code), so the tally
/// sees each code's step from (owner, status) to (owner, status); a write that changes
/// neither (a parent package, the last document) is not counted. Consecutive codes of
/// a document nearly always take the same step, so one running count absorbs them and
/// a million-code document touches the dictionary a handful of times. An emission
/// range is one step counted by its size: per block, never per code.
///
/// A tally lives only until the ``Committer`` folds it into counter writes of the same
/// batch; it is never encoded, so a changeset read back from a log carries the folded
/// writes and nothing to fold again.
public struct CodeTally: Sendable {
    /// One step some codes of a GTIN took.
    struct Step: Hashable, Sendable {
        var gtin: UInt64
        /// Owner and status before (status 0: the code is new).
        var fromOwner: UInt32
        var fromStatus: UInt8
        var toOwner: UInt32
        var toStatus: UInt8
        /// For new codes, the day of their emission time; 0 otherwise.
        var emittedDay: UInt32
    }

    private var steps: [Step: Int64] = [:]
    /// The step of the last codes added, not yet in `steps`.
    private var running: (step: Step, count: Int64)?

    public init() {}

    /// Whether no code changed owner or status.
    public var isEmpty: Bool { steps.isEmpty && running == nil }

    /// Counts `count` codes of `gtin` going from `old` (`nil`: new codes) to `new`.
    @inline(__always)
    public mutating func add(gtin: UInt64, from old: CodeRecord?, to new: CodeRecord, count: Int64 = 1) {
        if let old, old.owner == new.owner, old.status == new.status { return }
        let step = Step(
            gtin: gtin, fromOwner: old?.owner ?? 0, fromStatus: old?.status.rawValue ?? 0, toOwner: new.owner,
            toStatus: new.status.rawValue, emittedDay: old == nil ? DayCounts.day(milliseconds: new.emittedAt) : 0)
        if let running, running.step == step {
            self.running = (step, running.count + count)
            return
        }
        if let running { steps[running.step, default: 0] += running.count }
        running = (step, count)
    }

    /// Adds every step of `other`.
    public mutating func merge(_ other: CodeTally) {
        for (step, count) in other.allSteps { steps[step, default: 0] += count }
    }

    /// Every step with its number of codes.
    var allSteps: [Step: Int64] {
        var all = steps
        if let running { all[running.step, default: 0] += running.count }
        return all
    }
}
