import Foundation
import Hummingbird
import MarkingCore

/// `POST /participants` (admin), and a participant's tokens:
/// `GET|POST /participants/{id}/tokens`, `DELETE /participants/{id}/tokens/{tokenId}`
/// (admin, or the participant itself).
struct ParticipantRoutes {
    let service: MarkingService

    /// The body of `POST /participants`.
    struct Registration: JSONInput {
        var name: String
        var bin: String
        var roles: [String]
        static let fields: Set<String> = ["name", "bin", "roles"]
    }

    /// A participant as answered.
    struct ParticipantAnswer: Encodable {
        var id: UInt32
        var name: String
        var bin: String
        var roles: [String]
        var registeredAt: String
        var token: TokenAnswer?

        init(_ participant: Participant, token: TokenAnswer? = nil) {
            id = participant.id
            name = participant.name
            bin = participant.bin
            roles = participant.roles.map(\.rawValue)
            registeredAt = JSONAnswer.timestamp(participant.registeredAt)
            self.token = token
        }
    }

    /// A token as answered; `token` (the secret) only when it was just issued.
    struct TokenAnswer: Encodable {
        var id: UInt64
        var participant: UInt32
        var createdAt: String
        var token: String?

        init(_ token: AccessToken, secret: BearerSecret? = nil) {
            id = token.id
            participant = token.participant
            createdAt = JSONAnswer.timestamp(token.createdAt)
            self.token = secret?.text
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("participants") { request, _ in try await register(request) }
        group.get("participants/{id}/tokens") { request, context in try await listTokens(request, context) }
        group.post("participants/{id}/tokens") { request, context in try await issueToken(request, context) }
        group.delete("participants/{id}/tokens/{tokenId}") { request, context in try await revokeToken(request, context) }
    }

    /// Checks a registration's fields, each with its own code and pointer.
    static func validate(_ input: Registration) throws(Problem) -> (name: String, bin: String, roles: [ParticipantRole]) {
        var errors: [Problem.FieldError] = []
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 300 { errors.append(.init(pointer: "/name", code: .participants.name)) }
        do {
            try Participant.validateBIN(input.bin)
        } catch {
            errors.append(.init(pointer: "/bin", code: .participants.bin))
        }
        var roles: [ParticipantRole] = []
        for (index, text) in input.roles.enumerated() {
            guard let role = ParticipantRole(rawValue: text) else {
                errors.append(.init(pointer: "/roles/\(index)", code: .participants.roles))
                continue
            }
            if !roles.contains(role) { roles.append(role) }
        }
        if input.roles.isEmpty { errors.append(.init(pointer: "/roles", code: .participants.roles)) }
        if let first = errors.first {
            throw Problem(first.code, detail: "invalid field(s): \(errors.map(\.pointer).joined(separator: ", "))", errors: errors)
        }
        return (name, input.bin, roles)
    }

    private func register(_ request: Request) async throws -> Response {
        try await service.caller(of: request).requireAdmin()
        let input = try await Registration.decode(from: request)
        let (participant, token, secret) = try await service.registerParticipant(name: input.name, bin: input.bin, roles: input.roles)
        return try JSONAnswer.response(
            ParticipantAnswer(participant, token: TokenAnswer(token, secret: secret)), status: .created,
            headers: [.location: "/api/v1/participants/\(participant.id)"])
    }

    /// The participant of the path, after checking the caller may act for it.
    private func participant(_ request: Request, _ context: APIRequestContext) async throws -> Participant {
        let id: UInt32 = try context.parameters.number("id")
        try await service.caller(of: request).requireAdminOrSelf(id)
        let participants = service.participants
        guard let participant = try await service.blocking({ try participants.participant(id) }) else {
            throw Problem(.participants.unknown)
        }
        return participant
    }

    private func listTokens(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let participant = try await participant(request, context)
        let tokens = service.tokens
        let active = try await service.blocking { try tokens.active(for: participant.id) }
        return try JSONAnswer.response(active.map { TokenAnswer($0) })
    }

    private func issueToken(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let participant = try await participant(request, context)
        let tokens = service.tokens
        let (token, secret) = try await service.blocking { try tokens.issue(for: participant.id) }
        return try JSONAnswer.response(TokenAnswer(token, secret: secret), status: .created)
    }

    private func revokeToken(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let participant = try await participant(request, context)
        let tokenID: UInt64 = try context.parameters.number("tokenId")
        let tokens = service.tokens
        try await service.blocking { try tokens.revoke(tokenID, of: participant.id) }
        return Response(status: .noContent)
    }
}
