import Foundation
import Hummingbird
import Logging

/// Admin API for a server's sign-in: the auth mode and the customer's identity provider
/// (`GET`/`PUT /servers/{slug}/auth`), and a connection test (`POST /servers/{slug}/auth/test`).
/// The client secret is write-only.
struct AuthAdminRoutes {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("servers/{slug}/auth") { _, context in try await show(context) }
        group.put("servers/{slug}/auth") { request, context in try await update(request, context) }
        group.post("servers/{slug}/auth/test") { _, context in try await test(context) }
    }

    /// The body of `PUT …/auth`.
    struct Update: Decodable {
        var mode: AuthMode?
        var provider: ProviderInput?
    }

    /// What `GET …/auth` returns.
    struct View: Encodable {
        let mode: AuthMode
        let provider: UpstreamProvider?
        let clientSecretSet: Bool
        /// The redirect URI to register at the identity provider.
        let callbackURL: String

        enum CodingKeys: String, CodingKey {
            case mode, provider, clientSecretSet = "client_secret_set", callbackURL = "callback_url"
        }
    }

    private func show(_ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        return try await view(of: server.id, mode: server.authMode)
    }

    private func update(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        let update = try await request.decodeJSON(as: Update.self, limit: 64 << 10)
        let stored = try await platform.auth.providers.provider(serverID: server.id)
        if let input = update.provider {
            let provider: UpstreamProvider
            do {
                provider = try input.validated(allowHTTP: platform.configuration.ingestLimits.allowPrivateNetworks)
            } catch {
                throw APIError.badRequest(error.message)
            }
            try await platform.auth.providers.save(provider, clientSecret: input.clientSecret, serverID: server.id)
        }
        let mode = update.mode ?? server.authMode
        if mode == .oauth, update.provider == nil, stored == nil {
            throw APIError.badRequest("mode 'oauth' needs a provider: give provider.discovery_url (OpenID Connect) or its endpoints")
        }
        try await platform.tenancy.setAuthMode(mode, serverID: server.id)
        context.logger.info("sign-in settings changed", metadata: ["tenant": .string(server.slug), "auth_mode": .string(mode.rawValue)])
        return try await view(of: server.id, mode: mode)
    }

    private func view(of serverID: Int64, mode: AuthMode) async throws -> Response {
        let stored = try await platform.auth.providers.provider(serverID: serverID)
        return try APIResponse.json(
            View(
                mode: mode, provider: stored?.0, clientSecretSet: stored?.clientSecret != nil,
                callbackURL: platform.configuration.publicOrigin + "/oauth/callback"))
    }

    // MARK: Test connection

    /// One check of the connection test.
    struct Check: Encodable {
        let name: String
        let ok: Bool
        let detail: String
    }

    /// Validates discovery, the key set and the client credentials against the provider, and
    /// says what is wrong in words the customer can act on.
    private func test(_ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        guard let (provider, secret) = try await platform.auth.providers.provider(serverID: server.id) else {
            throw APIError.badRequest("no identity provider is configured for '\(server.slug)'")
        }
        let tester = ConnectionTest(upstream: platform.auth.upstream)
        let checks = await tester.run(provider, clientSecret: secret, callbackURL: platform.configuration.publicOrigin + "/oauth/callback")
        struct Result: Encodable {
            let ok: Bool
            let checks: [Check]
        }
        return try APIResponse.json(Result(ok: checks.allSatisfy(\.ok), checks: checks))
    }
}
