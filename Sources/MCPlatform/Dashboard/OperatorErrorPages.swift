import Foundation
import Hummingbird

/// The operator's error pages: unexpected errors grouped by fingerprint (most recent first),
/// and one group's latest occurrences with their context. Only operator accounts see them;
/// for everyone else they do not exist (404).
struct OperatorErrorPages: Sendable {
    let dashboard: Dashboard
    var store: ErrorGroupStore { ErrorGroupStore(database: dashboard.platform.database) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/operator/errors") { request, _ in try await groups(request) }
        router.get("/operator/errors/{id}") { request, context in try await group(request, context) }
    }

    private func groups(_ request: Request) async throws -> Response {
        let visitor = try await dashboard.requireOperator(request)
        try? await dashboard.platform.errors.flush(to: dashboard.platform.database)
        let groups = try await store.groups().map(Self.values)
        return dashboard.render(
            "errors", ["groups": groups, "hasGroups": !groups.isEmpty], visitor: visitor, membership: nil, title: "Errors")
    }

    private func group(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let visitor = try await dashboard.requireOperator(request)
        guard let id = context.parameters.get("id").flatMap(Int64.init), let group = try await store.group(id: id) else {
            throw dashboard.notFound()
        }
        let occurrences = try await store.occurrences(groupID: id).map { occurrence -> [String: Any] in
            var values: [String: Any] = [
                "at": MemberPages.format(occurrence.createdAt), "message": occurrence.message,
                "context": occurrence.context.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
            ]
            values["requestID"] = occurrence.requestID
            return values
        }
        return dashboard.render(
            "error_group", ["group": Self.values(group), "occurrences": occurrences], visitor: visitor, membership: nil,
            title: "Error: \(group.place)")
    }

    private static func values(_ group: ErrorGroupStore.Group) -> [String: Any] {
        var values: [String: Any] = [
            "id": group.id, "place": group.place, "type": group.errorType, "message": group.message, "count": group.count,
            "firstSeen": MemberPages.format(group.firstSeen), "lastSeen": MemberPages.format(group.lastSeen),
            "fingerprint": String(group.fingerprint.prefix(12)),
        ]
        values["tenant"] = group.lastTenant
        values["requestID"] = group.lastRequestID
        return values
    }
}
