import Foundation
import Hummingbird
import MarkingCore
import MarkingHTTP

extension WebApp {
    /// The admin's pages: `GET/POST /admin/participants` (register one; its first
    /// token is shown once), `GET /admin/audit` (the trail, filtered by time,
    /// participant and route, paged) and `GET /admin/violations` (reports, paged).
    func addAdminPages(to router: Router<APIRequestContext>) {
        router.get("/admin/participants") { request, context in
            await respond(request, context) { visit in
                try Self.requireAdmin(visit)
                return page("participants", visit, title: text("nav_participants", visit), values: participantFormValues(visit))
            }
        }
        router.post("/admin/participants") { request, context in
            await respond(request, context) { visit in
                let form = try await FormFields.read(request)
                try visit.verifyPost(token: form["csrf"])
                try Self.requireAdmin(visit)
                var values = participantFormValues(visit)
                let roles = ParticipantRole.allCases.filter { form["role_" + $0.rawValue] == "on" }.map(\.rawValue)
                do {
                    let (participant, _, secret) = try await service.registerParticipant(name: form["name"] ?? "", bin: form["bin"] ?? "", roles: roles)
                    values["registered"] = ["id": participant.id, "name": participant.name, "token": secret.text]
                    return page("participants", visit, title: text("nav_participants", visit), values: values, status: .created)
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    values["error"] = words.title + ". " + words.detail
                    values["name"] = form["name"] ?? ""
                    values["bin"] = form["bin"] ?? ""
                    return page("participants", visit, title: text("nav_participants", visit), values: values, status: .unprocessableContent)
                }
            }
        }
        router.get("/admin/audit") { request, context in
            await respond(request, context) { visit in
                try Self.requireAdmin(visit)
                let parameters = request.uri.queryParameters
                let route = parameters.get("route").map { String($0) } ?? ""
                // The trail's own query takes every filter but the route, which the
                // page applies to each page read.
                let query = ["from", "to", "participant", "cursor"].compactMap { name in
                    parameters.get(name).flatMap { $0.isEmpty ? nil : "\(name)=\(Self.queryEncoded(String($0)))" }
                }.joined(separator: "&")
                var values: [String: Any] = [
                    "from": parameters.get("from").map { String($0) } ?? "", "to": parameters.get("to").map { String($0) } ?? "",
                    "participant": parameters.get("participant").map { String($0) } ?? "", "route": route,
                ]
                do {
                    let page = try await service.auditPage(query: query + "&limit=100")
                    values["entries"] = page.entries.filter { route.isEmpty || $0.route.contains(route) }.map { entry -> [String: Any] in
                        ["time": date(entry.ms, visit), "actor": entry.participant.map(String.init) ?? entry.actor, "ip": entry.ip,
                         "method": entry.method, "route": entry.route, "status": entry.status, "count": entry.count as Any]
                    }
                    if let next = page.next {
                        values["nextHref"] = "/admin/audit?" + [("from", values["from"]), ("to", values["to"]), ("participant", values["participant"]), ("route", route)]
                            .compactMap { name, value in (value as? String).flatMap { $0.isEmpty ? nil : "\(name)=\(Self.queryEncoded($0))" } }
                            .joined(separator: "&") + "&cursor=\(next)"
                    }
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    values["error"] = words.title + ". " + words.detail
                    return page("audit", visit, title: text("nav_audit", visit), values: values, status: problem.status)
                }
                return page("audit", visit, title: text("nav_audit", visit), values: values)
            }
        }
        router.get("/admin/violations") { request, context in
            await respond(request, context) { visit in
                try Self.requireAdmin(visit)
                let after = request.uri.queryParameters.get("after").flatMap { UInt64($0) } ?? 0
                let reports = service.violations
                let list = try await service.blocking { try reports.list(after: after, limit: 100) }
                var values: [String: Any] = [
                    "reports": list.map { report -> [String: Any] in
                        ["id": report.id, "time": report.time, "code": report.code, "genuine": report.genuine,
                         "place": report.place ?? "", "comment": report.comment ?? ""]
                    },
                    "empty": list.isEmpty,
                ]
                if list.count == 100, let last = list.last { values["nextHref"] = "/admin/violations?after=\(last.id)" }
                return page("violations", visit, title: text("nav_violations", visit), values: values)
            }
        }
    }

    static func requireAdmin(_ visit: Visit) throws(WebFailure) {
        guard let caller = visit.caller else { throw .signInNeeded }
        guard caller == .admin else { throw .forbidden }
    }

    func participantFormValues(_ visit: Visit) -> [String: Any] {
        ["roles": ParticipantRole.allCases.map { ["value": $0.rawValue, "label": text("role_" + $0.rawValue, visit)] }]
    }
}
