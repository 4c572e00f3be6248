import MarkingCore

/// A 12-digit BIN (or IIN: the same rule) with a valid check digit, different for each
/// `seed`: participants can only be registered with one. The first 11 digits come from
/// `seed`; some prefixes have no valid check digit, and the next one is tried then.
public func validBIN(_ seed: Int) -> String {
    var prefix = 40_512_000_000 + seed * 7
    while true {
        if let bin = validBIN(completing: String(prefix)) { return bin }
        prefix += 1
    }
}

/// `prefix` (11 digits) with the check digit that makes it a valid BIN or IIN, or nil
/// when no digit does: for tests that need a BIN of a given shape.
public func validBIN(completing prefix: String) -> String? {
    (0...9).lazy.map { prefix + String($0) }.first { (try? Participant.validateBIN($0)) != nil }
}

/// An SSCC (a transport package's label) for serial reference `number`, as a scanner
/// gives it: application identifier `00` and 18 digits whose last is the GS1 check digit.
/// Different numbers give different packages.
public func sscc(_ number: UInt64) -> String {
    "00" + ssccDigits(46_070_000_000_000_000 + number)
}

/// The 18 digits of an SSCC (without the `00` in front) whose first 17 are `body`:
/// `body` and its GS1 check digit, for tests that need a label of a given shape.
public func ssccDigits(_ body: UInt64) -> String {
    let digits = String(body) + String(GTIN.checkDigit(of: body))
    precondition(digits.count == 18, "an SSCC's body has 17 digits")
    return digits
}
