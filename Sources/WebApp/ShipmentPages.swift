import Hummingbird
import MarkingCore
import MarkingHTTP
import OwnershipBatch

extension WebApp {
    /// `GET /cabinet/shipments` (transfers waiting for this participant's answer,
    /// each with accept and reject) and `GET /cabinet/packages?label=` (a package's
    /// contents: its units, and its inner packages as links one level down).
    func addShipmentPages(to router: Router<APIRequestContext>) {
        router.get("/cabinet/shipments") { request, context in
            await respond(request, context) { visit in
                let participant = try visit.participant()
                let jobs = service.jobs
                let waiting = try await service.blocking { try jobs.shipments(waitingFor: participant.id, after: 0, limit: 200) }
                return page("shipments", visit, title: text("nav_shipments", visit), values: [
                    "shipments": waiting.map { document -> [String: Any] in
                        ["id": document.id, "number": document.number, "sender": document.participant, "lines": document.lines,
                         "created": date(document.createdAt, visit)]
                    },
                    "empty": waiting.isEmpty,
                ])
            }
        }
        router.get("/cabinet/packages") { request, context in
            await respond(request, context) { visit in
                let caller = try visit.signedIn()
                var values: [String: Any] = [:]
                guard let label = request.uri.queryParameters.get("label").map { String($0) }, !label.isEmpty else {
                    return page("packages", visit, title: text("nav_packages", visit), values: values)
                }
                values["label"] = label
                let jobs = service.jobs
                do {
                    let found = try await service.blocking { () throws(MarkingError) -> (PackageContents, String?)? in
                        guard let contents = try jobs.contents(of: label) else { return nil }
                        let parent = contents.package.parent == 0 ? nil : try jobs.package(id: contents.package.parent)?.label
                        return (contents, parent)
                    }
                    guard let (contents, parent) = found else { throw Problem(.documents.unknownPackage) }
                    guard caller == .admin || caller.participantID == contents.package.owner else { throw Problem(.auth.forbidden) }
                    values["package"] = [
                        "label": contents.package.label, "kind": contents.package.kind.rawValue, "created": date(contents.package.createdAt, visit),
                        "parent": parent as Any, "parentHref": parent.map { "/cabinet/packages?label=" + Self.queryEncoded($0) } as Any,
                        "total": contents.totalUnits,
                        "children": contents.packages.map {
                            ["label": $0.label, "kind": $0.kind.rawValue, "units": $0.units, "packages": $0.packages,
                             "href": "/cabinet/packages?label=" + Self.queryEncoded($0.label)]
                        },
                        "units": contents.units.prefix(1000).map { "(01)\($0.gtin)(21)\($0.serial)" },
                    ]
                } catch let problem as Problem {
                    let words = problem.code.text(in: visit.language)
                    values["error"] = words.title + ". " + words.detail
                    return page("packages", visit, title: text("nav_packages", visit), values: values, status: problem.status)
                }
                return page("packages", visit, title: text("nav_packages", visit), values: values)
            }
        }
    }

    /// A query value, percent-encoded.
    static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
