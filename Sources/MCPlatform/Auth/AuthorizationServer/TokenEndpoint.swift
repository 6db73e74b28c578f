import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import MCP

/// The token endpoint (authorization code with PKCE, refresh with rotation and reuse detection)
/// and the revocation endpoint (RFC 7009).
struct TokenEndpoint: Sendable {
    let platform: Platform
    var auth: AuthServices { platform.auth }

    func token(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await authenticated(request, context) { form, client, server in
            switch form["grant_type"] {
            case "authorization_code": return try await exchangeCode(form, client: client, server: server, logger: context.logger)
            case "refresh_token": return try await refresh(form, client: client, server: server, logger: context.logger)
            case nil: throw OAuthError(.invalidRequest, "grant_type is missing")
            case let other?: throw OAuthError(.unsupportedGrantType, "grant_type '\(other.prefix(40))' is not supported")
            }
        }
    }

    func revoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await authenticated(request, context) { form, client, server in
            guard let token = form["token"], !token.isEmpty else { throw OAuthError(.invalidRequest, "token is missing") }
            var grant = try await auth.grants.grantOfRefreshToken(token, serverID: server.id)
            if grant == nil, let claims = await auth.signingKeys.verify(token), claims.tid == server.id {
                grant = try await auth.grants.grant(id: claims.gid, serverID: server.id)
            }
            if let grant {
                guard grant.clientID == client.clientID else {
                    throw OAuthError(.unauthorizedClient, "the token was issued to another client")
                }
                try await auth.grants.revoke(grantID: grant.id, serverID: server.id, reason: "revoked by the client")
                context.logger.info("grant revoked by its client", metadata: ["tenant": .string(server.slug)])
            }
            // Unknown and already-invalid tokens are answered the same way (RFC 7009 §2.2).
            return Response(status: .ok, headers: [.cacheControl: "no-store"])
        }
    }

    /// Resolves the server, applies the rate limit, reads the form and authenticates the client,
    /// then runs `body`; OAuth errors become their JSON responses.
    private func authenticated(
        _ request: Request, _ context: AppRequestContext,
        _ body: ([String: String], OAuthClient, TenantServer) async throws -> Response
    ) async throws -> Response {
        let (server, _) = try await OAuthTenant.resolve(request, context, platform: platform)
        if let retryAfter = try await auth.rateLimiter.hit(
            "token:\(server.id):\(context.clientAddress)", limit: AuthorizationServerRoutes.tokenLimit)
        {
            return OAuthError.rateLimited(retryAfter: retryAfter)
        }
        do {
            let form = try await Self.form(request)
            let client = try await authenticateClient(request, form: form, server: server)
            return try await body(form, client, server)
        } catch let error as OAuthError {
            return error.response
        }
    }

    // MARK: Grants

    private func exchangeCode(_ form: [String: String], client: OAuthClient, server: TenantServer, logger: Logger) async throws -> Response
    {
        guard let code = form["code"], !code.isEmpty else { throw OAuthError(.invalidRequest, "code is missing") }
        guard let verifier = form["code_verifier"] else { throw OAuthError(.invalidRequest, "code_verifier is missing (PKCE is required)") }
        let redeemed: RedeemedCode
        switch try await auth.grants.redeem(code: code, serverID: server.id) {
        case .unknown: throw OAuthError(.invalidGrant, "the authorization code is unknown")
        case .reused:
            logger.warning("authorization code reused; grant revoked", metadata: ["tenant": .string(server.slug)])
            throw OAuthError(.invalidGrant, "the authorization code was already used; the tokens issued for it are revoked")
        case .redeemed(let value): redeemed = value
        }
        guard redeemed.expiresAt > Date() else { throw OAuthError(.invalidGrant, "the authorization code has expired") }
        guard redeemed.grant.clientID == client.clientID else {
            throw OAuthError(.invalidGrant, "the authorization code was issued to another client")
        }
        if redeemed.redirectURIGiven || form["redirect_uri"] != nil {
            guard form["redirect_uri"] == redeemed.redirectURI else {
                throw OAuthError(.invalidGrant, "redirect_uri does not match the authorization request")
            }
        }
        guard PKCE.isValidVerifier(verifier), PKCE.challenge(for: verifier) == redeemed.codeChallenge else {
            throw OAuthError(.invalidGrant, "code_verifier does not match the code_challenge")
        }
        try checkResource(form, grant: redeemed.grant)
        return try await issueTokens(for: redeemed.grant)
    }

    private func refresh(_ form: [String: String], client: OAuthClient, server: TenantServer, logger: Logger) async throws -> Response {
        guard let token = form["refresh_token"], !token.isEmpty else { throw OAuthError(.invalidRequest, "refresh_token is missing") }
        let grant: Grant
        switch try await auth.grants.lookUpRefreshToken(token, serverID: server.id) {
        case .invalid: throw OAuthError(.invalidGrant, "the refresh token is unknown, expired or revoked")
        case .reused:
            logger.warning("refresh token reused; grant revoked", metadata: ["tenant": .string(server.slug)])
            throw OAuthError(.invalidGrant, "the refresh token was already used; the sign-in has been revoked, sign in again")
        case .valid(let value): grant = value
        }
        guard grant.clientID == client.clientID else { throw OAuthError(.invalidGrant, "the refresh token was issued to another client") }
        try checkResource(form, grant: grant)
        if let scope = form["scope"], AccessScope.granted(for: scope) != grant.scope {
            throw OAuthError(.invalidScope, "a refresh cannot widen the granted scope '\(grant.scope)'")
        }
        try await confirmUpstream(grant, server: server, logger: logger)
        guard let successor = try await auth.grants.rotateRefreshToken(token, grantID: grant.id) else {
            try await auth.grants.revoke(grantID: grant.id, serverID: server.id, reason: "refresh token used concurrently")
            throw OAuthError(.invalidGrant, "the refresh token was already used; the sign-in has been revoked, sign in again")
        }
        return try await issueTokens(for: grant, refreshToken: successor)
    }

    /// Refreshes the identity provider's session behind the grant, so that a user disabled
    /// there cannot keep refreshing here. Fails the refresh (and revokes the grant) when the
    /// provider refuses; a provider that is down fails it without consuming the refresh token.
    private func confirmUpstream(_ grant: Grant, server: TenantServer, logger: Logger) async throws {
        guard let upstreamToken = try auth.grants.upstreamRefreshToken(of: grant),
            let (provider, clientSecret) = try await auth.providers.provider(serverID: server.id)
        else { return }
        do {
            let endpoints = try await auth.upstream.endpoints(of: provider)
            let tokens = try await auth.upstream.refresh(
                upstreamToken, endpoints: endpoints, provider: provider, clientSecret: clientSecret)
            if let rotated = tokens.refreshToken, rotated != upstreamToken {
                try await auth.grants.updateUpstreamRefreshToken(rotated, grantID: grant.id, serverID: server.id)
            }
        } catch UpstreamError.rejected(let detail) {
            logger.info(
                "identity provider refused a refresh; grant revoked", metadata: ["tenant": .string(server.slug), "detail": .string(detail)])
            try await auth.grants.revoke(grantID: grant.id, serverID: server.id, reason: "identity provider refused refresh")
            throw OAuthError(.invalidGrant, "your identity provider no longer accepts this sign-in; sign in again")
        } catch {
            logger.warning("identity provider unavailable during refresh", metadata: ["tenant": .string(server.slug), "error": "\(error)"])
            throw OAuthError(.temporarilyUnavailable, "the identity provider could not be reached; try again shortly")
        }
    }

    private func checkResource(_ form: [String: String], grant: Grant) throws(OAuthError) {
        if let resource = form["resource"], resource != grant.resource {
            throw OAuthError(.invalidTarget, "the grant is for \(grant.resource)")
        }
    }

    /// An access token for `grant`, with `refreshToken` (a new one when nil).
    private func issueTokens(for grant: Grant, refreshToken: String? = nil) async throws -> Response {
        let now = Date()
        let lifetime = platform.configuration.accessTokenLifetime
        let claims = AccessTokenClaims(
            iss: .init(value: grant.issuer), sub: .init(value: String(grant.endUserID)), aud: .init(value: [grant.resource]),
            exp: .init(value: now.addingTimeInterval(lifetime)), iat: .init(value: now), jti: .init(value: RandomToken.make(bytes: 12)),
            tid: grant.serverID, gid: grant.id, client_id: grant.clientID, scope: grant.scope)
        let accessToken = try await auth.signingKeys.sign(claims)
        let issued: String
        if let refreshToken { issued = refreshToken } else { issued = try await auth.grants.issueRefreshToken(grantID: grant.id, now: now) }
        return try AuthorizationServerRoutes.json([
            "access_token": .string(accessToken),
            "token_type": "Bearer",
            "expires_in": .int(Int(lifetime)),
            "refresh_token": .string(issued),
            "scope": .string(grant.scope),
        ])
    }

    // MARK: Client authentication

    /// The client making the request: `client_secret_basic`, `client_secret_post`, or a public
    /// client naming itself with `client_id`.
    private func authenticateClient(_ request: Request, form: [String: String], server: TenantServer) async throws -> OAuthClient {
        var clientID = form["client_id"]
        var secret = form["client_secret"]
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") {
            guard let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
            else { throw OAuthError(.invalidClient, "the Basic credentials are malformed") }
            let basicID = FormEncoding.unescape(credentials[..<colon])
            if let clientID, clientID != basicID { throw OAuthError(.invalidRequest, "client_id differs from the Basic credentials") }
            clientID = basicID
            secret = FormEncoding.unescape(credentials[credentials.index(after: colon)...])
        }
        guard let clientID, !clientID.isEmpty else { throw OAuthError(.invalidClient, "client_id is missing") }
        guard let client = try await auth.client(clientID, serverID: server.id) else {
            throw OAuthError(.invalidClient, "unknown client")
        }
        switch client.authMethod {
        case .none:
            return client
        case .clientSecretBasic, .clientSecretPost:
            guard let secret, auth.clients.verify(secret: secret, of: client) else {
                throw OAuthError(.invalidClient, "client authentication failed")
            }
            return client
        }
    }

    /// The form body (at most 16 KiB), without repeated parameters.
    static func form(_ request: Request) async throws -> [String: String] {
        guard request.headers[.contentType].flatMap(MediaType.init(from:))?.isType(.applicationUrlEncoded) == true else {
            throw OAuthError(.invalidRequest, "the body must be application/x-www-form-urlencoded")
        }
        guard let body = try? await request.body.collect(upTo: 16 << 10) else {
            throw OAuthError(.invalidRequest, "the body exceeds 16 KiB")
        }
        let (values, duplicates) = FormEncoding.decode(String(buffer: body))
        if let name = duplicates.first { throw OAuthError(.invalidRequest, "the parameter '\(name.prefix(40))' appears more than once") }
        return values
    }
}
