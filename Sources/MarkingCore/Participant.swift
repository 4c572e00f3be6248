import Foundation

/// What a participant of the marking system does; decides which documents it may send.
public enum ParticipantRole: String, Sendable, Codable, CaseIterable {
    case producer, importer, wholesaler, retailer
}

/// A registered participant: a company (BIN) or an individual entrepreneur (IIN).
public struct Participant: Sendable, Codable, Hashable {
    public var id: UInt32
    public var name: String
    /// The 12-digit business or individual identification number.
    public var bin: String
    public var roles: [ParticipantRole]
    /// Milliseconds since 1970 UTC.
    public var registeredAt: UInt64

    public init(id: UInt32, name: String, bin: String, roles: [ParticipantRole], registeredAt: UInt64) {
        self.id = id
        self.name = name
        self.bin = bin
        self.roles = roles
        self.registeredAt = registeredAt
    }

    /// Validates a Kazakhstan BIN or IIN: 12 digits whose last is the check digit
    /// (weights 1…11, modulo 11; when that gives 10, weights 3…11, 1, 2; a second 10
    /// means the number cannot be valid).
    public static func validateBIN(_ text: String) throws(MarkingError) {
        let digits = text.utf8.map { Int($0) - 48 }
        guard digits.count == 12, digits.allSatisfy({ (0...9).contains($0) }) else {
            throw MarkingError(.invalidInput, "BIN/IIN '\(text)' must be exactly 12 digits")
        }
        var check = zip(digits[0..<11], 1...11).reduce(0) { $0 + $1.0 * $1.1 } % 11
        if check == 10 {
            let weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
            check = zip(digits[0..<11], weights).reduce(0) { $0 + $1.0 * $1.1 } % 11
        }
        guard check != 10, check == digits[11] else {
            throw MarkingError(.invalidInput, "BIN/IIN '\(text)' has a wrong check digit")
        }
    }
}

/// The register of participants, in the store's `participants` family.
public struct ParticipantDirectory: Sendable {
    public let store: MarkingStore

    public init(store: MarkingStore) { self.store = store }

    /// Registers a participant after validating its name and BIN.
    public func register(name: String, bin: String, roles: [ParticipantRole]) throws(MarkingError) -> Participant {
        try register(ParticipantRegistration(name: name, bin: bin, roles: roles))
    }

    /// Registers a participant: the typed command, validated here, committed as one changeset.
    public func register(_ registration: ParticipantRegistration) throws(MarkingError) -> Participant {
        let (bin, roles) = (registration.bin, registration.roles)
        let name = registration.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 300 else {
            throw MarkingError(.invalidInput, "a participant needs a name of 1 to 300 characters")
        }
        try Participant.validateBIN(bin)
        guard !roles.isEmpty else { throw MarkingError(.invalidInput, "a participant needs at least one role") }
        return try store.committer.commit { changeset throws(MarkingError) -> Participant in
            let id = try store.nextID(.participant, in: &changeset)
            guard id <= UInt64(UInt32.max) else { throw MarkingError(.store, "participant ids are exhausted") }
            let participant = Participant(id: UInt32(id), name: name, bin: bin, roles: roles, registeredAt: MarkingStore.now())
            do {
                changeset.putParticipant(participant.id, Array(try JSONEncoder().encode(participant)))
            } catch {
                throw MarkingError(.store, "cannot encode participant: \(error)")
            }
            return participant
        }.value
    }

    /// The participant `id`, or `nil` when there is none.
    public func participant(_ id: UInt32) throws(MarkingError) -> Participant? {
        guard let bytes = try store.participant(id) else { return nil }
        do {
            return try JSONDecoder().decode(Participant.self, from: Data(bytes))
        } catch {
            throw MarkingError(.store, "cannot read participant \(id): \(error)")
        }
    }
}

/// The command that registers a participant (admin only): its name, BIN or IIN, roles.
public struct ParticipantRegistration: Sendable, Codable, Hashable {
    public var name: String
    public var bin: String
    public var roles: [ParticipantRole]

    public init(name: String, bin: String, roles: [ParticipantRole]) {
        self.name = name
        self.bin = bin
        self.roles = roles
    }
}
