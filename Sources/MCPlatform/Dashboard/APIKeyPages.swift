import Foundation
import Hummingbird
import Logging

/// An organization's API keys for the admin API: created (shown once) and revoked by owners
/// and admins.
struct APIKeyPages: Sendable {
    let dashboard: Dashboard
    var keys: APIKeyStore { dashboard.accounts.apiKeys }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/orgs/{org}/api-keys") { request, context in try await list(request, context) }
        router.post("/orgs/{org}/api-keys") { request, context in try await create(request, context) }
        router.post("/orgs/{org}/api-keys/{id}/revoke") { request, context in try await revoke(request, context) }
    }

    private func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        return try await page(visitor, membership)
    }

    private func page(
        _ visitor: Visitor, _ membership: Membership, newKey: String? = nil, errors: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let base = "/orgs/\(membership.organization.slug)/api-keys"
        let canManage = membership.role.canManageServers
        var values: [String: Any] = [
            "keys": try await keys.keys(organizationID: membership.organization.id).map {
                [
                    "name": $0.name, "prefix": $0.prefix, "created": MemberPages.format($0.createdAt),
                    "lastUsed": $0.lastUsedAt.map(MemberPages.format) ?? "never", "revokeURL": "\(base)/\($0.id)/revoke",
                    "canManage": canManage,
                ]
            },
            "canManage": canManage, "createURL": base, "errors": errors,
            "apiBase": dashboard.platform.configuration.publicOrigin + "/api/v1",
        ]
        values["newKey"] = newKey
        return dashboard.render(
            "api_keys", values, visitor: visitor, membership: membership, title: "API keys", section: "api-keys", status: status)
    }

    private func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "create API keys")
        let form = try await dashboard.form(request, visitor: visitor)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else {
            return try await page(
                visitor, membership, errors: ["name": "name the key (at most 100 characters)"], status: .unprocessableContent)
        }
        let (_, secret) = try await keys.create(organizationID: membership.organization.id, name: name, createdBy: visitor.user.id)
        context.logger.info("API key created", metadata: ["organization": .string(membership.organization.slug)])
        return try await page(visitor, membership, newKey: secret)
    }

    private func revoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "revoke API keys")
        _ = try await dashboard.form(request, visitor: visitor)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            try await keys.revoke(id: id, organizationID: membership.organization.id)
        else { throw dashboard.notFound() }
        return PageResponse.redirect("/orgs/\(membership.organization.slug)/api-keys").response
    }
}
