import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP

/// The routes of every tenant's authorization server and protected-resource metadata, on the
/// tenant's own host (`/oauth/…`, `/.well-known/…`) and by path on the platform's host
/// (`/mcp/{slug}/oauth/…`, `/.well-known/…/mcp/{slug}`), plus the platform's one callback for
/// customers' identity providers (`/oauth/callback`).
struct AuthorizationServerRoutes: Sendable {
    let platform: Platform
    var auth: AuthServices { platform.auth }

    /// A rate limit per client address and server.
    static let registrationLimit = RateLimiter.Limit(requests: 20, perSeconds: 60)
    static let tokenLimit = RateLimiter.Limit(requests: 60, perSeconds: 60)

    func addRoutes(to router: Router<AppRequestContext>) {
        let flow = AuthorizationFlow(platform: platform)
        let tokens = TokenEndpoint(platform: platform)
        for prefix in ["", "/mcp/{slug}"] {
            router.get("\(prefix)/oauth/authorize") { request, context in try await flow.showConsent(request, context) }
            router.post("\(prefix)/oauth/authorize") { request, context in try await flow.decide(request, context) }
            router.post("\(prefix)/oauth/token") { request, context in try await tokens.token(request, context) }
            router.post("\(prefix)/oauth/revoke") { request, context in try await tokens.revoke(request, context) }
            router.post("\(prefix)/oauth/register") { request, context in try await register(request, context) }
            router.get("\(prefix)/oauth/jwks") { request, context in try await jwks(request, context) }
        }
        router.get("/oauth/callback") { request, context in try await flow.callback(request, context) }
        for path in [
            "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server/mcp/{slug}", "/.well-known/openid-configuration/mcp/{slug}",
            "/mcp/{slug}/.well-known/oauth-authorization-server", "/mcp/{slug}/.well-known/openid-configuration",
        ] {
            router.get(RouterPath(path)) { request, context in try await authorizationServerMetadata(request, context) }
        }
        for path in [
            "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-protected-resource/mcp/{slug}",
        ] {
            router.get(RouterPath(path)) { request, context in try await protectedResourceMetadata(request, context) }
        }
    }

    // MARK: Metadata

    /// RFC 9728 protected resource metadata of a server that requires sign-in.
    private func protectedResourceMetadata(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (server, authority) = try await OAuthTenant.resolve(request, context, platform: platform)
        var document: [String: Value] = [
            "resource": .string(authority.resource),
            "authorization_servers": [.string(authority.issuer)],
            "scopes_supported": [.string(AccessScope.mcp)],
            "bearer_methods_supported": ["header"],
            "resource_name": .string(server.name),
        ]
        document["resource_documentation"] = .string(platform.configuration.publicOrigin)
        return try Self.json(document, cacheSeconds: 300)
    }

    /// RFC 8414 authorization server metadata (also served as OpenID discovery).
    private func authorizationServerMetadata(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, authority) = try await OAuthTenant.resolve(request, context, platform: platform)
        let clientAuthMethods: Value = .array(OAuthClient.AuthMethod.allCases.map { .string($0.rawValue) })
        let document: [String: Value] = [
            "issuer": .string(authority.issuer),
            "authorization_endpoint": .string(authority.authorizationEndpoint),
            "token_endpoint": .string(authority.tokenEndpoint),
            "registration_endpoint": .string(authority.registrationEndpoint),
            "revocation_endpoint": .string(authority.revocationEndpoint),
            "jwks_uri": .string(authority.jwksURI),
            "scopes_supported": [.string(AccessScope.mcp)],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": clientAuthMethods,
            "revocation_endpoint_auth_methods_supported": clientAuthMethods,
            "client_id_metadata_document_supported": true,
            "authorization_response_iss_parameter_supported": true,
        ]
        return try Self.json(document, cacheSeconds: 300)
    }

    private func jwks(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await OAuthTenant.resolve(request, context, platform: platform)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(try await auth.signingKeys.jwks()))))
    }

    // MARK: Registration

    /// RFC 7591 dynamic client registration. Requests without `scope` are accepted.
    private func register(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (server, _) = try await OAuthTenant.resolve(request, context, platform: platform)
        if let retryAfter = try await auth.rateLimiter.hit(
            "register:\(server.id):\(context.clientAddress)", limit: Self.registrationLimit)
        {
            return OAuthError.rateLimited(retryAfter: retryAfter)
        }
        guard request.headers[.contentType].flatMap(MediaType.init(from:))?.isType(.applicationJson) == true else {
            return OAuthError(.invalidClientMetadata, "the registration request must be JSON (Content-Type: application/json)").response
        }
        guard let body = try? await request.body.collect(upTo: 16 << 10),
            let json = try? JSONDecoder().decode([String: Value].self, from: Data(body.readableBytesView))
        else {
            return OAuthError(.invalidClientMetadata, "the body must be a JSON object of at most 16 KiB").response
        }
        let metadata: ClientMetadata
        do {
            metadata = try ClientMetadata(json: json, defaultAuthMethod: .clientSecretBasic)
        } catch {
            return error.response
        }
        let (client, secret) = try await auth.clients.register(metadata, serverID: server.id)
        var document: [String: Value] = [
            "client_id": .string(client.clientID),
            "client_id_issued_at": .int(Int(Date().timeIntervalSince1970)),
            "redirect_uris": .array(client.redirectURIs.map(Value.string)),
            "token_endpoint_auth_method": .string(client.authMethod.rawValue),
            "grant_types": .array(metadata.grantTypes.map(Value.string)),
            "response_types": ["code"],
        ]
        if let secret {
            document["client_secret"] = .string(secret)
            document["client_secret_expires_at"] = 0
        }
        document["client_name"] = client.name.map(Value.string)
        document["scope"] = metadata.scope.map(Value.string)
        context.logger.info(
            "registered OAuth client", metadata: ["tenant": .string(server.slug), "client": .string(client.name ?? client.clientID)])
        return try Self.json(document, status: .created)
    }

    static func json(_ document: [String: Value], status: HTTPResponse.Status = .ok, cacheSeconds: Int? = nil) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.cacheControl] = cacheSeconds.map { "public, max-age=\($0)" } ?? "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(document))))
    }
}

/// The scopes of the platform's access tokens.
enum AccessScope {
    /// Use the MCP server: the one scope every token carries.
    static let mcp = "mcp"
    /// Scopes clients commonly ask for that grant nothing more here (refresh tokens are always issued).
    static let ignored: Set<String> = ["offline_access", "openid", "profile", "email"]

    /// The scope granted for `requested`, or nil when it asks for something unknown.
    static func granted(for requested: String?) -> String? {
        let scopes = Set((requested ?? "").split(separator: " ").map(String.init))
        guard scopes.subtracting(ignored).subtracting([mcp]).isEmpty else { return nil }
        return mcp
    }
}

/// The server an authorization-server request is addressed to, when it requires sign-in.
enum OAuthTenant {
    static func resolve(_ request: Request, _ context: AppRequestContext, platform: Platform) async throws -> (
        TenantServer, TenantAuthority
    ) {
        guard let route = TenantRoute(request: request, context: context, baseDomain: platform.configuration.baseDomain),
            let server = try await platform.tenancy.server(slug: route.slug)
        else {
            throw APIError.notFound("no MCP server at this address")
        }
        guard server.authMode == .oauth else {
            throw APIError.notFound("the MCP server '\(server.slug)' does not require sign-in (its auth mode is none)")
        }
        return (server, TenantAuthority(slug: server.slug, form: route.form, configuration: platform.configuration))
    }
}

extension OAuthError {
    /// 429 with `Retry-After`.
    static func rateLimited(retryAfter: Int) -> Response {
        var response = OAuthError(.temporarilyUnavailable, "too many requests; retry in \(retryAfter) s").response
        response.status = .tooManyRequests
        response.headers[.retryAfter] = String(max(retryAfter, 1))
        return response
    }
}
