import Foundation
import Hummingbird
import Logging

/// Creating organizations, and an organization's home: its MCP servers.
struct OrganizationPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/orgs/new") { request, _ in try await newForm(request) }
        router.post("/orgs/new") { request, _ in try await create(request) }
        router.get("/orgs/{org}") { request, context in try await home(request, context) }
    }

    private func newForm(_ request: Request) async throws -> Response {
        let visitor = try await dashboard.requireVisitor(request)
        return dashboard.render(
            "org_new", ["first": visitor.memberships.isEmpty], visitor: visitor, membership: nil, title: "New organization")
    }

    private func create(_ request: Request) async throws -> Response {
        let visitor = try await dashboard.requireVisitor(request)
        let form = try await dashboard.form(request, visitor: visitor)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let slugText = (form["slug"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        var errors: [String: String] = [:]
        if name.isEmpty || name.count > 100 { errors["name"] = "enter a name of at most 100 characters" }
        var slug: Slug?
        do {
            slug = try Slug(slugText.isEmpty ? Self.slug(from: name) : slugText)
        } catch {
            errors["slug"] = error.description
        }
        if errors.isEmpty, let slug {
            do {
                let organization = try await platform.tenancy.createOrganization(slug: slug, name: name)
                do {
                    try await dashboard.accounts.memberships.add(userID: visitor.user.id, organizationID: organization.id, role: .owner)
                } catch {
                    _ = try? await platform.tenancy.deleteOrganization(id: organization.id)
                    throw error
                }
                return PageResponse.redirect("/orgs/\(organization.slug)").response
            } catch TenancyError.organizationExists {
                errors["slug"] = "this identifier is taken; choose another"
            }
        }
        return dashboard.render(
            "org_new", ["name": name, "slug": slugText, "errors": errors, "first": visitor.memberships.isEmpty], visitor: visitor,
            membership: nil,
            title: "New organization", status: .unprocessableContent)
    }

    private func home(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        let servers = try await platform.tenancy.servers(organizationID: membership.organization.id)
        let counts = try await ServerStatistics(database: platform.database).summaries(serverIDs: servers.map(\.id))
        let base = "/orgs/\(membership.organization.slug)"
        return dashboard.render(
            "org_home",
            [
                "servers": servers.map { server -> [String: Any] in
                    let summary = counts[server.id] ?? .init()
                    return [
                        "name": server.name, "slug": server.slug, "url": "\(base)/servers/\(server.slug)",
                        "endpoint": ServerEndpoints(slug: server.slug, configuration: platform.configuration).primary,
                        "auth": server.authMode == .oauth ? "OAuth sign-in" : "Anonymous", "pages": summary.pages,
                        "sources": summary.sources,
                    ]
                },
                "empty": servers.isEmpty,
                "canCreate": membership.role.canManageServers,
                "newServerURL": "\(base)/servers/new",
            ],
            visitor: visitor, membership: membership, title: membership.organization.name, section: "servers")
    }

    /// `acme-inc` from `Acme, Inc.`.
    static func slug(from name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var slug = ""
        for character in folded.unicodeScalars {
            if ("a"..."z").contains(character) || ("0"..."9").contains(character) {
                slug.unicodeScalars.append(character)
            } else if !slug.hasSuffix("-"), !slug.isEmpty {
                slug += "-"
            }
        }
        return String(slug.prefix(40)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
