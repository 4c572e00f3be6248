import Hummingbird
import MarkingCore

/// `PUT /gtin-assignments/{digits}` (admin): assigns a GTIN (14 digits) or a GS1
/// company prefix (6 to 12 digits) to a participant, or reassigns it (`201` when the
/// digits were assigned to nobody, `200` otherwise). `GET /gtin-assignments` (admin):
/// every assignment.
///
/// Assignments are what stops GTIN squatting: once any exists, a product card needs
/// one, and the participant assigned a GTIN may register its card even if someone
/// else registered it first (the rule is ``ProductRegister``'s).
struct GTINAssignmentRoutes {
    let service: MarkingService

    /// The body of `PUT /gtin-assignments/{digits}`.
    struct AssignmentInput: JSONInput {
        var participant: UInt32
        static let fields: Set<String> = ["participant"]
    }

    /// An assignment as answered.
    struct AssignmentAnswer: Encodable {
        var digits: String
        /// `gtin` or `prefix`.
        var kind: String
        var participant: UInt32

        init(digits: String, participant: UInt32) {
            self.digits = digits
            kind = digits.count == 14 ? "gtin" : "prefix"
            self.participant = participant
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("gtin-assignments/{digits}") { request, context in
            try await service.caller(of: request).requireAdmin()
            let digits = try Self.digits(context.parameters.get("digits") ?? "")
            let input = try await AssignmentInput.decode(from: request)
            let participants = service.participants, products = service.products
            let isNew = try await service.blocking { () throws -> Bool in
                guard try participants.participant(input.participant) != nil else {
                    throw Problem(.participants.unknown, detail: "participant \(input.participant) is not registered", pointer: "/participant")
                }
                return try products.assign(digits, to: input.participant)
            }
            return try JSONAnswer.response(
                AssignmentAnswer(digits: digits, participant: input.participant), status: isNew ? .created : .ok,
                headers: [.location: "/api/v1/gtin-assignments/\(digits)"])
        }
        group.get("gtin-assignments") { request, _ in
            try await service.caller(of: request).requireAdmin()
            let store = service.store
            let assignments = try await service.blocking { try store.gtinAssignments() }
            return try JSONAnswer.response(["assignments": assignments.map { AssignmentAnswer(digits: $0.assignment, participant: $0.participant) }])
        }
    }

    /// A GTIN with a valid check digit, or a company prefix of 6 to 12 digits.
    static func digits(_ text: String) throws(Problem) -> String {
        let problem = Problem(.products.assignmentDigits, detail: "'\(text)' is neither a GS1 company prefix (6 to 12 digits) nor a GTIN-14", pointer: "digits")
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { throw problem }
        if text.utf8.count == 14 {
            guard (try? GTIN(text)) != nil else { throw problem }
            return text
        }
        guard (6...12).contains(text.utf8.count) else { throw problem }
        return text
    }
}
