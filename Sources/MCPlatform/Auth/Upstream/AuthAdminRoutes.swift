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

    /// A provider as submitted: the stored fields plus the write-only secret.
    struct ProviderInput: Decodable {
        var discoveryURL, issuer, authorizationURL, tokenURL, userinfoURL, jwksURL: String?
        var clientID: String
        var clientSecret: String?
        var scopes: String?
        var tokenAuthMethod: UpstreamProvider.TokenAuthMethod?
        var claims: UpstreamProvider.ClaimMapping?

        enum CodingKeys: String, CodingKey {
            case discoveryURL = "discovery_url", issuer, authorizationURL = "authorization_url", tokenURL = "token_url"
            case userinfoURL = "userinfo_url", jwksURL = "jwks_url", clientID = "client_id", clientSecret = "client_secret", scopes
            case tokenAuthMethod = "token_auth_method", claims
        }
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
            let provider = try validate(input)
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

    /// Checks a submitted provider: either a discovery URL, or the endpoints of a plain OAuth 2
    /// provider; every URL https (http only where private networks are allowed, i.e. tests).
    private func validate(_ input: ProviderInput) throws -> UpstreamProvider {
        let allowHTTP = platform.configuration.ingestLimits.allowPrivateNetworks
        func url(_ value: String?, _ field: String) throws -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.utf8.count <= 2000, let parsed = URL(string: value), let scheme = parsed.scheme, parsed.host != nil,
                scheme == "https" || (scheme == "http" && allowHTTP)
            else {
                throw APIError.badRequest("\(field) must be an https URL")
            }
            return value
        }
        let provider = UpstreamProvider(
            discoveryURL: try url(input.discoveryURL, "provider.discovery_url"), issuer: input.issuer,
            authorizationURL: try url(input.authorizationURL, "provider.authorization_url"),
            tokenURL: try url(input.tokenURL, "provider.token_url"), userinfoURL: try url(input.userinfoURL, "provider.userinfo_url"),
            jwksURL: try url(input.jwksURL, "provider.jwks_url"), clientID: input.clientID.trimmingCharacters(in: .whitespaces),
            scopes: input.scopes ?? (input.discoveryURL != nil ? "openid email profile" : ""),
            tokenAuthMethod: input.tokenAuthMethod ?? .clientSecretBasic, claims: input.claims ?? .init())
        if provider.discoveryURL == nil {
            guard provider.authorizationURL != nil, provider.tokenURL != nil else {
                throw APIError.badRequest("give provider.discovery_url, or provider.authorization_url and provider.token_url")
            }
            guard provider.userinfoURL != nil || provider.jwksURL != nil else {
                throw APIError.badRequest(
                    "without discovery, provider.userinfo_url (or jwks_url and issuer) is needed to learn who signed in")
            }
        }
        guard !provider.clientID.isEmpty, provider.clientID.utf8.count <= 512 else {
            throw APIError.badRequest("provider.client_id is required (at most 512 bytes)")
        }
        guard (input.clientSecret?.utf8.count ?? 0) <= 2048, provider.scopes.utf8.count <= 1000, (provider.issuer?.utf8.count ?? 0) <= 2000
        else { throw APIError.badRequest("provider.client_secret, scopes or issuer is too long") }
        for claim in [provider.claims.subject, provider.claims.email, provider.claims.name] where claim.isEmpty || claim.utf8.count > 100 {
            throw APIError.badRequest("claim names must be 1 to 100 characters")
        }
        return provider
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
