import Foundation
import Hummingbird
import Logging

/// A server's sign-in configuration (mode, the customer's identity provider, connection test)
/// and its settings (name, description, allowed origins, deletion).
struct ServerSettingsPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }

    func addRoutes(to router: Router<AppRequestContext>) {
        let base = "/orgs/{org}/servers/{server}"
        router.get("\(base)/auth") { request, context in try await authPage(request, context) }
        router.post("\(base)/auth") { request, context in try await saveAuth(request, context) }
        router.post("\(base)/auth/test") { request, context in try await testAuth(request, context) }
        router.get("\(base)/settings") { request, context in try await settingsPage(request, context) }
        router.post("\(base)/settings") { request, context in try await saveSettings(request, context) }
        router.post("\(base)/delete") { request, context in try await delete(request, context) }
    }

    // MARK: Authentication

    private func authPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        return try await renderAuth(visitor, membership, server)
    }

    private func renderAuth(
        _ visitor: Visitor, _ membership: Membership, _ server: TenantServer, mode: AuthMode? = nil, form: [String: String]? = nil,
        errors: [String: String] = [:], checks: [AuthAdminRoutes.Check]? = nil, saved: Bool = false
    ) async throws -> Response {
        let stored = try await platform.auth.providers.provider(serverID: server.id)
        let provider = stored?.0
        var fields: [String: String] = form ?? [:]
        if form == nil, let provider {
            fields = [
                "discovery_url": provider.discoveryURL ?? "", "authorization_url": provider.authorizationURL ?? "",
                "token_url": provider.tokenURL ?? "", "userinfo_url": provider.userinfoURL ?? "", "jwks_url": provider.jwksURL ?? "",
                "issuer": provider.issuer ?? "", "client_id": provider.clientID, "scopes": provider.scopes,
                "token_auth_method": provider.tokenAuthMethod.rawValue, "claim_subject": provider.claims.subject,
                "claim_email": provider.claims.email, "claim_name": provider.claims.name,
            ]
        }
        let currentMode = mode ?? server.authMode
        var values: [String: Any] = [
            "fields": fields, "errors": errors, "canManage": membership.role.canManageServers,
            "modeNone": currentMode == .none, "modeOAuth": currentMode == .oauth, "secretSet": stored?.clientSecret != nil,
            "callbackURL": platform.configuration.publicOrigin + "/oauth/callback",
            "methods": UpstreamProvider.TokenAuthMethod.allCases.map {
                ["value": $0.rawValue, "selected": (fields["token_auth_method"] ?? "client_secret_basic") == $0.rawValue]
            },
            "hasProvider": provider != nil,
        ]
        if let checks {
            values["checks"] = checks.map { ["name": $0.name, "ok": $0.ok, "detail": $0.detail] }
            values["checksOK"] = checks.allSatisfy(\.ok)
            values["tested"] = true
        }
        if saved { values["flash"] = ["kind": "success", "text": "Sign-in settings saved."] }
        return dashboard.render(
            "server_auth", values, visitor: visitor, membership: membership, server: server, title: "Authentication · \(server.name)",
            section: "auth", status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func saveAuth(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "change sign-in settings")
        let form = try await dashboard.form(request, visitor: visitor)
        let mode = AuthMode(rawValue: form["mode"] ?? "") ?? server.authMode
        let stored = try await platform.auth.providers.provider(serverID: server.id)
        let anyProviderField = ["discovery_url", "authorization_url", "token_url", "client_id"].contains { !(form[$0] ?? "").isEmpty }
        if anyProviderField {
            let input = ProviderInput(
                discoveryURL: form["discovery_url"], issuer: form["issuer"], authorizationURL: form["authorization_url"],
                tokenURL: form["token_url"], userinfoURL: form["userinfo_url"], jwksURL: form["jwks_url"],
                clientID: form["client_id"] ?? "",
                clientSecret: (form["client_secret"] ?? "").isEmpty ? nil : form["client_secret"], scopes: form["scopes"],
                tokenAuthMethod: UpstreamProvider.TokenAuthMethod(rawValue: form["token_auth_method"] ?? ""),
                claims: .init(
                    subject: Self.nonEmpty(form["claim_subject"]) ?? "sub", email: Self.nonEmpty(form["claim_email"]) ?? "email",
                    name: Self.nonEmpty(form["claim_name"]) ?? "name"))
            let provider: UpstreamProvider
            do {
                provider = try input.validated(allowHTTP: platform.configuration.ingestLimits.allowPrivateNetworks)
            } catch {
                return try await renderAuth(visitor, membership, server, mode: mode, form: form, errors: [error.field: error.message])
            }
            try await platform.auth.providers.save(provider, clientSecret: input.clientSecret, serverID: server.id)
        } else if mode == .oauth, stored == nil {
            return try await renderAuth(
                visitor, membership, server, mode: mode, form: form,
                errors: ["discovery_url": "OAuth sign-in needs your identity provider: give its discovery URL, or its endpoints"])
        }
        try await platform.tenancy.setAuthMode(mode, serverID: server.id)
        context.logger.info(
            "sign-in settings changed in the dashboard", metadata: ["tenant": .string(server.slug), "auth_mode": .string(mode.rawValue)])
        let updated = try await platform.tenancy.server(id: server.id) ?? server
        return try await renderAuth(visitor, membership, updated, saved: true)
    }

    private func testAuth(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "test the sign-in connection")
        _ = try await dashboard.form(request, visitor: visitor)
        guard let (provider, secret) = try await platform.auth.providers.provider(serverID: server.id) else {
            return try await renderAuth(visitor, membership, server, errors: ["discovery_url": "save an identity provider first"])
        }
        let checks = await ConnectionTest(upstream: platform.auth.upstream).run(
            provider, clientSecret: secret, callbackURL: platform.configuration.publicOrigin + "/oauth/callback")
        return try await renderAuth(visitor, membership, server, checks: checks)
    }

    // MARK: Settings

    private func settingsPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        return renderSettings(visitor, membership, server, form: Self.form(of: server))
    }

    /// The settings form's values for `server` as stored.
    static func form(of server: TenantServer) -> [String: String] {
        [
            "name": server.name, "description": server.settings.description ?? "",
            "allowed_origins": server.settings.allowedOrigins.joined(separator: "\n"),
            "client_rpm": server.settings.clientRequestsPerMinute.map(String.init) ?? "",
            "server_rpm": server.settings.serverRequestsPerMinute.map(String.init) ?? "",
            "support_tickets": server.settings.supportTickets ? "on" : "",
            "icon_url": server.settings.iconURL ?? "",
        ]
    }

    private func renderSettings(
        _ visitor: Visitor, _ membership: Membership, _ server: TenantServer, form: [String: String], errors: [String: String] = [:],
        saved: Bool = false
    ) -> Response {
        var values: [String: Any] = [
            "fields": form, "errors": errors, "canManage": membership.role.canManageServers, "slug": server.slug,
            "supportTickets": form["support_tickets"] == "on",
            "deleteURL": "/orgs/\(membership.organization.slug)/servers/\(server.slug)/delete",
        ]
        if saved { values["flash"] = ["kind": "success", "text": "Settings saved."] }
        return dashboard.render(
            "server_settings", values, visitor: visitor, membership: membership, server: server, title: "Settings · \(server.name)",
            section: "settings", status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func saveSettings(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "change server settings")
        let form = try await dashboard.form(request, visitor: visitor)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let description = (form["description"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let origins = (form["allowed_origins"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        var errors: [String: String] = [:]
        if name.isEmpty || name.count > 100 { errors["name"] = "enter a name of at most 100 characters" }
        if description.count > 1000 { errors["description"] = "at most 1,000 characters" }
        let iconURL = (form["icon_url"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !iconURL.isEmpty, let problem = ServerSettings.iconURLProblem(iconURL) { errors["icon_url"] = problem }
        if origins.count > 50 { errors["allowed_origins"] = "at most 50 origins" }
        if let bad = origins.first(where: { !Self.isOrigin($0) }) {
            errors["allowed_origins"] = "'\(bad.prefix(100))' is not an origin like https://docs.example.com (scheme and host, no path)"
        }
        func limit(_ field: String) -> Int? {
            let text = (form[field] ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return nil }
            guard let value = Int(text), (1...1_000_000).contains(value) else {
                errors[field] = "a whole number of requests per minute from 1 to 1,000,000, or empty for no limit"
                return nil
            }
            return value
        }
        let clientLimit = limit("client_rpm")
        let serverLimit = limit("server_rpm")
        guard errors.isEmpty else { return renderSettings(visitor, membership, server, form: form, errors: errors) }
        var settings = server.settings
        settings.description = description.isEmpty ? nil : description
        settings.allowedOrigins = origins
        settings.clientRequestsPerMinute = clientLimit
        settings.serverRequestsPerMinute = serverLimit
        settings.supportTickets = form["support_tickets"] == "on"
        settings.iconURL = iconURL.isEmpty ? nil : iconURL
        try await platform.tenancy.updateServer(id: server.id, name: name, settings: settings)
        let updated = try await platform.tenancy.server(id: server.id) ?? server
        return renderSettings(visitor, membership, updated, form: Self.form(of: updated), saved: true)
    }

    /// Deletes the server with its documentation, after the visitor typed its identifier.
    private func delete(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "delete MCP servers")
        let form = try await dashboard.form(request, visitor: visitor)
        guard form["confirm"]?.trimmingCharacters(in: .whitespaces) == server.slug else {
            return renderSettings(
                visitor, membership, server, form: Self.form(of: server), errors: ["confirm": "type \(server.slug) to confirm"])
        }
        _ = try await platform.tenancy.deleteServer(slug: server.slug)
        context.logger.notice("server deleted in the dashboard", metadata: ["tenant": .string(server.slug)])
        return PageResponse.redirect("/orgs/\(membership.organization.slug)").response
    }

    // MARK: Helpers

    private static func nonEmpty(_ text: String?) -> String? {
        text.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `https://docs.example.com[:port]`: a scheme and a host, nothing else.
    static func isOrigin(_ text: String) -> Bool {
        guard text.utf8.count <= 300, let components = URLComponents(string: text), ["http", "https"].contains(components.scheme),
            components.host?.isEmpty == false, components.path.isEmpty || components.path == "/", components.query == nil,
            components.fragment == nil, components.user == nil
        else { return false }
        return true
    }
}
