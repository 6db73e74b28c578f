import Foundation
import Hummingbird
import Logging

/// A server's pages: creating one, and its overview with install instructions.
struct ServerPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/orgs/{org}/servers/new") { request, context in try await newForm(request, context) }
        router.post("/orgs/{org}/servers/new") { request, context in try await create(request, context) }
        router.get("/orgs/{org}/servers/{server}") { request, context in try await overview(request, context) }
    }

    private func newForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "create MCP servers")
        return dashboard.render("server_new", [:], visitor: visitor, membership: membership, title: "New MCP server", section: "servers")
    }

    private func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "create MCP servers")
        let form = try await dashboard.form(request, visitor: visitor)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let slugText = (form["slug"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let description = (form["description"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [String: String] = [:]
        if name.isEmpty || name.count > 100 { errors["name"] = "enter a name of at most 100 characters" }
        if description.count > 1000 { errors["description"] = "at most 1,000 characters" }
        var slug: Slug?
        do {
            slug = try Slug(slugText.isEmpty ? OrganizationPages.slug(from: name) : slugText)
        } catch {
            errors["slug"] = error.description
        }
        if errors.isEmpty, let slug {
            do {
                let server = try await platform.tenancy.createServer(
                    slug: slug, name: name, organization: membership.organization,
                    settings: ServerSettings(description: description.isEmpty ? nil : description))
                context.logger.info("server created in the dashboard", metadata: ["tenant": .string(server.slug)])
                return PageResponse.redirect("/orgs/\(membership.organization.slug)/servers/\(server.slug)").response
            } catch {
                switch error {
                case .serverExists:
                    errors["slug"] = "this identifier is taken (it is also the server's subdomain); choose another"
                case .serverQuotaReached(_, let maximum):
                    errors["form"] =
                        "\(membership.organization.name) already has \(maximum) MCP servers, the most an organization may have. Delete one first, or ask the platform's operator to raise the limit."
                default:
                    throw error
                }
            }
        }
        return dashboard.render(
            "server_new", ["name": name, "slug": slugText, "description": description, "errors": errors], visitor: visitor,
            membership: membership, title: "New MCP server", section: "servers", status: .unprocessableContent)
    }

    private func overview(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        let endpoints = ServerEndpoints(slug: server.slug, configuration: platform.configuration)
        let summary = try await ServerStatistics(database: platform.database).summaries(serverIDs: [server.id])[server.id] ?? .init()
        let lastHour = try await platform.requestStatistics.summary(
            serverID: server.id, since: Date().addingTimeInterval(-3600), database: platform.database)
        let uptime = try await UptimeStore(database: platform.database).periods(serverID: server.id)
        return dashboard.render(
            "server_overview",
            [
                "server": [
                    "name": server.name, "slug": server.slug, "description": server.settings.description ?? "",
                    "auth": server.authMode == .oauth ? "OAuth sign-in through your identity provider" : "Anonymous (no sign-in)",
                ],
                "endpoint": endpoints.primary,
                "alternativeEndpoint": endpoints.alternative,
                "instructions": endpoints.instructions(name: server.name).map { instruction -> [String: Any] in
                    var values: [String: Any] = [
                        "id": instruction.id, "client": instruction.client, "steps": instruction.steps, "copy": instruction.copy,
                    ]
                    values["link"] = instruction.link
                    return values
                },
                "live": [
                    ["label": "Requests (1 h)", "value": "\(lastHour.requests)"],
                    ["label": "Errors (1 h)", "value": lastHour.requests == 0 ? "—" : String(format: "%.1f %%", lastHour.errorRate)],
                    ["label": "p95 latency (1 h)", "value": lastHour.percentile(0.95) ?? "—"],
                    ["label": "p50 latency (1 h)", "value": lastHour.percentile(0.5) ?? "—"],
                ],
                "uptime": uptime.map { period in
                    [
                        "id": "uptime-" + period.label.replacingOccurrences(of: " ", with: ""), "label": "Uptime (\(period.label))",
                        "value": period.uptime.formatted, "checks": period.uptime.checks,
                    ]
                },
                "stats": [
                    ["label": "Sources", "value": summary.sources], ["label": "Pages indexed", "value": summary.pages],
                    ["label": "Active users (24 h)", "value": summary.usersLastDay],
                    ["label": "Signed-in users", "value": summary.endUsers],
                ],
            ],
            visitor: visitor, membership: membership, server: server, title: server.name, section: "overview")
    }
}
