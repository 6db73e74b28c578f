import Foundation
import Hummingbird
import Logging

/// The operator console: every organization with its servers, size and last activity, and
/// "onboard customer". Only operator accounts see it; for everyone else it does not exist (404).
struct OperatorPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/operator") { request, _ in try await console(request) }
        router.post("/operator/onboard") { request, context in try await onboard(request, context) }
        router.get("/operator/analytics") { request, _ in try await analytics(request) }
    }

    private func console(_ request: Request) async throws -> Response {
        try await page(try await dashboard.requireOperator(request))
    }

    private func page(_ visitor: Visitor, form: [String: String] = [:], errors: [String: String] = [:], result: Onboarding.Result? = nil)
        async throws -> Response
    {
        let organizations = try await platform.tenancy.organizations()
        let servers = try await platform.tenancy.servers()
        let summaries = try await ServerStatistics(database: platform.database).summaries(serverIDs: servers.map(\.id))
        let lastActivity = try await ServerStatistics(database: platform.database).lastActivity()
        var health: [Int64: RequestStatistics.Summary] = [:]
        var uptime: [Int64: String] = [:]
        for server in servers {
            health[server.id] = try await platform.requestStatistics.summary(
                serverID: server.id, since: Date().addingTimeInterval(-3600), database: platform.database)
            uptime[server.id] = try await UptimeStore(database: platform.database).periods(serverID: server.id).map {
                "\($0.label) \($0.uptime.formatted)"
            }.joined(separator: ", ")
        }
        let rows = organizations.map { organization -> [String: Any] in
            let own = servers.filter { $0.organizationID == organization.id }
            let last = own.compactMap { lastActivity[$0.id] }.max()
            return [
                "name": organization.name, "slug": organization.slug,
                "servers": own.map { server -> [String: Any] in
                    let summary = summaries[server.id] ?? .init()
                    let hour = health[server.id] ?? .init()
                    return [
                        "slug": server.slug, "pages": summary.pages, "users": summary.usersLastDay, "auth": server.authMode.rawValue,
                        "requests": hour.requests, "errorRate": hour.requests == 0 ? "—" : String(format: "%.1f %%", hour.errorRate),
                        "p95": hour.percentile(0.95) ?? "—", "uptime": uptime[server.id] ?? "—",
                    ]
                },
                "lastActivity": last.map(MemberPages.format) ?? "—",
            ]
        }
        var values: [String: Any] = [
            "customers": rows, "fields": form, "errors": errors,
            "firingAlerts": try await AlertStore(database: platform.database).firing().count,
        ]
        let outbox = dashboard.accounts.outbox
        values["relay"] = outbox.relay
        values["outbox"] = try await outbox.unsent().map { message -> [String: Any] in
            var entry: [String: Any] = [
                "to": message.to, "subject": message.subject, "body": message.body, "created": MemberPages.format(message.createdAt),
                "attempts": message.attempts, "failed": message.failedAt != nil,
            ]
            entry["error"] = message.lastError
            let status: String =
                if let failed = message.failedAt {
                    "Given up \(MemberPages.format(failed)) UTC after \(message.attempts) attempt\(message.attempts == 1 ? "" : "s")"
                } else if outbox.relay == nil {
                    "Not sent"
                } else if let next = message.nextAttemptAt, message.attempts > 0 {
                    "\(message.attempts) attempt\(message.attempts == 1 ? "" : "s"); next at \(MemberPages.format(next)) UTC"
                } else {
                    "Waiting for delivery"
                }
            entry["status"] = status
            return entry
        }
        if let result {
            values["result"] = [
                "organization": result.organization.name, "server": result.server.slug, "link": result.invitationLink,
                "endpoint": ServerEndpoints(slug: result.server.slug, configuration: platform.configuration).primary,
            ]
        }
        return dashboard.render(
            "operator", values, visitor: visitor, membership: nil, title: "Operator console",
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func onboard(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let visitor = try await dashboard.requireOperator(request)
        let form = try await dashboard.form(request, visitor: visitor)
        let organization = (form["organization"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let name = (form["organization_name"] ?? "").trimmingCharacters(in: .whitespaces)
        let onboarding = Onboarding(
            organizationSlug: organization, organizationName: name.isEmpty ? organization : name, ownerEmail: form["owner_email"] ?? "",
            serverSlug: (form["server"] ?? "").isEmpty ? organization : (form["server"] ?? ""),
            serverName: "\(name.isEmpty ? organization : name) Docs", docsURL: form["docs_url"])
        do {
            let result = try await onboarding.run(platform: platform, invitedBy: visitor.user.id)
            context.logger.info("customer onboarded", metadata: ["organization": .string(result.organization.slug)])
            return try await page(visitor, result: result)
        } catch let problem as Onboarding.Problem {
            return try await page(visitor, form: form, errors: [problem.field: problem.message])
        }
    }
}
