import Emitter
import MarkingCore
import OwnershipBatch
import TestSupport
import Testing

/// The transitions the issue allows, written out independently of ``LifeCycle/rules``:
/// the status a code in `status` gets from a document of `type`, or `nil` when the
/// document must refuse it. `retiredBy` is the reason a `RETIRED` code was retired for.
func issueOutcome(_ type: DocumentType, _ status: CodeStatus, retiredBy: ExitReason? = nil) -> CodeStatus? {
    switch (type, status) {
    case (.utilisation, .emitted): .applied
    case (.introduction, .applied): .introduced
    case (.transfer, .introduced): .introduced
    case (.retirement, .introduced): .retired
    case (.writeOff, .emitted), (.writeOff, .applied), (.writeOff, .introduced): .writtenOff
    case (.retailReturn, .retired): retiredBy == .retailSale ? .introduced : nil
    case (.aggregation, .applied), (.aggregation, .introduced): status
    case (.disaggregation, .applied), (.disaggregation, .introduced): status
    default: nil
    }
}

@Suite("Life cycle")
struct LifeCycleTests {
    @Test func lifeCycleTableHoldsExactlyTheAllowedTransitions() {
        #expect(Set(LifeCycle.rules.keys) == Set(DocumentType.allCases))
        for type in DocumentType.allCases {
            let rule = LifeCycle.rule(for: type)
            let allowed = Set(CodeStatus.allCases.filter { issueOutcome(type, $0, retiredBy: .retailSale) != nil })
            #expect(rule.from == allowed, "\(type.rawValue)")
            for status in allowed {
                let kept = rule.to ?? status
                #expect(kept == issueOutcome(type, status, retiredBy: .retailSale), "\(type.rawValue) from \(status)")
            }
        }
    }

    /// Brings one code of the producer to `status` (for a disaggregation: a group
    /// package with one unit, whose code and unit are in `status`). Returns the lines
    /// the document lists and every code it may touch.
    private func subject(
        for type: DocumentType, in status: CodeStatus, retiredBy: ExitReason, _ ledger: Ledger
    ) throws -> (listed: [String], touched: [String]) {
        let producer = ledger.producer
        if type == .disaggregation, status != .emitted {
            let group = try ledger.applied(1, gtin: groupGTIN)
            let unit = try ledger.applied(1)
            try ledger.expectOK(.aggregation, by: producer, unit, package: group[0])
            try advance(group, from: .applied, to: status, retiredBy: retiredBy, ledger)
            #expect(try ledger.statuses(group + unit) == [status])
            return (group, group + unit)
        }
        let code = try ledger.emit(1)
        if status != .emitted {
            try ledger.expectOK(.utilisation, by: producer, code)
            try advance(code, from: .applied, to: status, retiredBy: retiredBy, ledger)
        }
        #expect(try ledger.record(code[0]).status == status)
        return (code, code)
    }

    private func advance(_ codes: [String], from: CodeStatus, to status: CodeStatus, retiredBy: ExitReason, _ ledger: Ledger) throws {
        let producer = ledger.producer
        if status == .applied { return }
        try ledger.expectOK(.introduction, by: producer, codes)
        switch status {
        case .retired: try ledger.expectOK(.retirement, by: producer, codes, reason: retiredBy.name)
        case .writtenOff: try ledger.expectOK(.writeOff, by: producer, codes, reason: ExitReason.lost.name)
        default: break
        }
    }

    @Test(arguments: DocumentType.allCases, CodeStatus.allCases)
    func documentAppliesToExactlyTheStatusesItsRuleAllows(type: DocumentType, status: CodeStatus) throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        // A retired code is tried both as sold at retail and as exported.
        let reasons: [ExitReason] = status == .retired ? [.retailSale, .export] : [.retailSale]
        for (round, retiredBy) in reasons.enumerated() {
            let (listed, touched) = try subject(for: type, in: status, retiredBy: retiredBy, ledger)
            let before = try touched.map { try ledger.record($0) }
            let unchanged = try ledger.codesAndPackages()
            let package = sscc(UInt64(round + 1))
            let document = try ledger.submit(
                type, by: ledger.producer, listed,
                receiver: type == .transfer ? ledger.wholesaler : nil,
                reason: type == .retirement ? "RETAIL_SALE" : type == .writeOff ? "DESTROYED" : nil,
                package: type == .aggregation ? package : nil)
            let after = try touched.map { try ledger.record($0) }
            let label = "\(type.rawValue) on a \(status.name) code\(status == .retired ? " retired by \(retiredBy.name)" : "")"

            guard let expected = issueOutcome(type, status, retiredBy: retiredBy) else {
                #expect(document.state == .checkedNotOK, "\(label) must be refused")
                #expect(Set(document.refusals.keys) == [.wrongStatus], "\(label)")
                let refusal = try #require(document.firstRefused.first)
                #expect(refusal.reason == .wrongStatus)
                #expect(refusal.line == 1)
                #expect(refusal.detail.contains(status.name), "\(label): \(refusal.detail)")
                #expect(refusal.detail.contains(type.rawValue), "\(label): \(refusal.detail)")
                #expect(try ledger.codesAndPackages() == unchanged, "\(label) changed something")
                continue
            }
            #expect(document.state == .checkedOK, "\(label) must be applied: \(document.firstRefused)")
            #expect(document.applied == touched.count, "\(label)")
            #expect(after.allSatisfy { $0.status == expected }, "\(label)")
            #expect(after.allSatisfy { $0.lastDocument == document.id })
            for (old, new) in zip(before, after) {
                #expect(new.owner == (type == .transfer ? ledger.wholesaler.id : old.owner), "\(label)")
                switch type {
                case .retirement: #expect(new.reason == ExitReason.retailSale.rawValue)
                case .writeOff: #expect(new.reason == ExitReason.destroyed.rawValue)
                case .retailReturn: #expect(new.reason == 0, "a returned code no longer carries its retirement reason")
                default: #expect(new.reason == old.reason)
                }
            }
            switch type {
            case .aggregation:
                #expect(try ledger.engine.contents(of: package)?.totalUnits == 1)
                #expect(after[0].parent != 0)
            case .disaggregation:
                #expect(try ledger.engine.contents(of: listed[0]) == nil, "the package is gone")
                #expect(after.allSatisfy { $0.parent == 0 })
            default:
                #expect(after.map(\.parent) == before.map(\.parent))
            }
        }
    }

    @Test func retiredCodeReturnsToCirculationOnlyByARetailReturn() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let codes = try ledger.introduced(3)
        let sold = [codes[0]], exported = [codes[1]], lost = [codes[2]]
        try ledger.expectOK(.retirement, by: producer, sold, reason: "RETAIL_SALE")
        try ledger.expectOK(.retirement, by: producer, exported, reason: "EXPORT")
        try ledger.expectOK(.writeOff, by: producer, lost, reason: "LOST")
        #expect(try ledger.record(sold[0]).reason == ExitReason.retailSale.rawValue)
        #expect(try ledger.record(exported[0]).reason == ExitReason.export.rawValue)

        // No other document brings a retired code back.
        for type in [DocumentType.introduction, .utilisation, .transfer, .aggregation] {
            let document = try ledger.expectRefused(
                type, by: producer, sold, receiver: type == .transfer ? ledger.wholesaler : nil,
                package: type == .aggregation ? sscc(9) : nil)
            #expect(document.refusals == [.wrongStatus: 1], "\(type.rawValue)")
        }
        #expect(try ledger.record(sold[0]).status == .retired)

        // An exported code cannot be returned, and neither can a lost one; a document
        // that mixes them with a returnable code returns nothing.
        let exportReturn = try ledger.expectRefused(.retailReturn, by: producer, exported)
        #expect(exportReturn.refusals == [.wrongStatus: 1])
        #expect(exportReturn.firstRefused.first?.detail.contains("retail sale") == true)
        let lostReturn = try ledger.expectRefused(.retailReturn, by: producer, lost)
        #expect(lostReturn.refusals == [.wrongStatus: 1])
        let mixed = try ledger.expectRefused(.retailReturn, by: producer, sold + exported)
        #expect(mixed.firstRefused.map(\.line) == [2])
        #expect(try ledger.record(sold[0]).status == .retired)

        // The retail return does, and the code then circulates again.
        try ledger.expectOK(.retailReturn, by: producer, sold)
        #expect(try ledger.record(sold[0]).status == .introduced)
        #expect(try ledger.record(exported[0]).status == .retired)
        #expect(try ledger.record(lost[0]).status == .writtenOff)
        let again = try ledger.expectRefused(.retailReturn, by: producer, sold)
        #expect(again.refusals == [.wrongStatus: 1], "a returned code cannot be returned twice")
        try ledger.expectOK(.transfer, by: producer, sold, receiver: ledger.retailer)
        try ledger.expectOK(.retirement, by: ledger.retailer, sold, reason: "RETAIL_SALE")
        #expect(try ledger.record(sold[0]).status == .retired)
        #expect(try ledger.record(sold[0]).owner == ledger.retailer.id)
    }

    @Test func packageRetiredForExportCannotBeReturnedOrUnpacked() throws {
        let ledger = try Ledger()
        defer { ledger.close() }
        let producer = ledger.producer
        let units = try ledger.introduced(4)
        let pallet = sscc(77)
        try ledger.expectOK(.aggregation, by: producer, units, package: pallet)
        try ledger.expectOK(.retirement, by: producer, [pallet], reason: "EXPORT")
        #expect(try ledger.statuses(units) == [.retired])
        let document = try ledger.expectRefused(.retailReturn, by: producer, [pallet])
        #expect(document.refusals == [.wrongStatus: 4])
        #expect(try ledger.statuses(units) == [.retired])
        // Nor can the retired pallet be unpacked: its units are out of circulation.
        let unpacking = try ledger.expectRefused(.disaggregation, by: producer, [pallet])
        #expect(unpacking.refusals == [.wrongStatus: 4])
        #expect(unpacking.firstRefused.allSatisfy { $0.line == 1 && $0.detail.contains("RETIRED") && $0.detail.contains("DISAGGREGATION") })
        #expect(try ledger.engine.contents(of: pallet)?.totalUnits == 4)
    }
}
