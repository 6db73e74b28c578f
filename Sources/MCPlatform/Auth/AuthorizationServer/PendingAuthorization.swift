import Foundation

/// An authorization request between the client's redirect to us and our redirect back to it:
/// validated, shown on the consent page, then sent on to the customer's identity provider.
struct PendingAuthorization: Sendable, Equatable {
    enum Status: String, Sendable {
        /// Waiting for the end user's decision on the consent page.
        case consent
        /// Sent to the identity provider; waiting for its callback.
        case upstream
        /// Finished (code issued, denied, or failed): never usable again.
        case done
    }

    let id: String
    let serverID: Int64
    let clientID: String
    /// The registered redirect URI in effect (the presented one, for loopback ports).
    let redirectURI: String
    let redirectURIGiven: Bool
    /// The client's `state`, returned unchanged.
    let state: String?
    let codeChallenge: String
    let resource: String
    let issuer: String
    let scope: String
    let csrfHash: String
    let upstreamNonce: String?
    let upstreamVerifier: String?
    /// Keyed hash of the cookie that ties the identity provider's callback to the browser that
    /// consented; nil when the platform's host cannot receive a cookie set by the tenant's.
    let browserBindingHash: String?
    let status: Status
    let expiresAt: Date

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        clientID = try row.decode("client_id")
        redirectURI = try row.decode("redirect_uri")
        redirectURIGiven = try row.decode("redirect_uri_given")
        state = try row.decode("state")
        codeChallenge = try row.decode("code_challenge")
        resource = try row.decode("resource")
        issuer = try row.decode("issuer")
        scope = try row.decode("scope")
        csrfHash = try row.decode("csrf_hash")
        upstreamNonce = try row.decode("upstream_nonce")
        upstreamVerifier = try row.decode("upstream_verifier")
        browserBindingHash = try row.decode("browser_binding_hash")
        status = Status(rawValue: try row.decode("status")) ?? .done
        expiresAt = try row.decode("expires_at")
    }
}

/// What a validated authorization request asks for.
struct AuthorizationParameters: Sendable {
    let clientID: String
    let redirectURI: String
    let redirectURIGiven: Bool
    let state: String?
    let codeChallenge: String
    let resource: String
    let scope: String
}

/// Storage of pending authorizations. Each moves forward exactly once (consent → upstream →
/// done), checked with conditional updates so that a replayed form or callback does nothing.
struct PendingAuthorizationStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    /// How long the end user has to consent and sign in.
    static let lifetime: TimeInterval = 600

    /// Stores a new request and returns it with the CSRF token of its consent form.
    func create(_ parameters: AuthorizationParameters, serverID: Int64, issuer: String, now: Date = Date()) async throws
        -> (PendingAuthorization, csrfToken: String)
    {
        let csrfToken = RandomToken.make()
        let row = try await database.one(
            """
            INSERT INTO oauth_authorizations (id, server_id, client_id, redirect_uri, redirect_uri_given, state, code_challenge, resource,
                issuer, scope, csrf_hash, status, created_at, expires_at)
            VALUES (\(RandomToken.make()), \(serverID), \(parameters.clientID), \(parameters.redirectURI), \(parameters.redirectURIGiven),
                \(parameters.state), \(parameters.codeChallenge), \(parameters.resource), \(issuer), \(parameters.scope),
                \(secretKey.tokenHash(csrfToken)), \(PendingAuthorization.Status.consent.rawValue), \(now), \(now.addingTimeInterval(Self.lifetime)))
            RETURNING \(raw: Self.columns)
            """
        )
        return (try PendingAuthorization(row: row), csrfToken)
    }

    /// The unexpired request `id` of `serverID` waiting for consent.
    func awaitingConsent(id: String, serverID: Int64, now: Date = Date()) async throws -> PendingAuthorization? {
        guard id.utf8.count <= 64 else { return nil }
        return try await database.first(
            """
            SELECT \(raw: Self.columns) FROM oauth_authorizations
            WHERE id = \(id) AND server_id = \(serverID) AND status = \(PendingAuthorization.Status.consent.rawValue) AND expires_at > \(now)
            """
        ).map(PendingAuthorization.init)
    }

    func isValidCSRFToken(_ token: String, for authorization: PendingAuthorization) -> Bool {
        token.utf8.count <= 128 && secretKey.tokenHash(token) == authorization.csrfHash
    }

    /// Whether the callback arrived in the browser that consented (or no binding was possible).
    func isBoundBrowser(_ cookie: String?, for authorization: PendingAuthorization) -> Bool {
        guard let expected = authorization.browserBindingHash else { return true }
        guard let cookie, cookie.utf8.count <= 128 else { return false }
        return secretKey.tokenHash(cookie) == expected
    }

    /// Moves a request from consent to upstream, recording what the callback must check.
    /// False when it had already moved on (a replayed form).
    func sendUpstream(id: String, upstreamState: String, nonce: String, verifier: String, browserBinding: String?) async throws -> Bool {
        try await !database.query(
            """
            UPDATE oauth_authorizations SET status = \(PendingAuthorization.Status.upstream.rawValue),
                upstream_state_hash = \(secretKey.tokenHash(upstreamState)), upstream_nonce = \(nonce), upstream_verifier = \(verifier),
                browser_binding_hash = \(browserBinding.map(secretKey.tokenHash))
            WHERE id = \(id) AND status = \(PendingAuthorization.Status.consent.rawValue)
            RETURNING id
            """
        ).isEmpty
    }

    /// Finishes the request that the identity provider's callback names by `upstreamState`,
    /// exactly once. Nil when unknown, expired or already finished.
    func completeUpstream(upstreamState: String, now: Date = Date()) async throws -> PendingAuthorization? {
        guard upstreamState.utf8.count <= 256 else { return nil }
        return try await database.first(
            """
            UPDATE oauth_authorizations SET status = \(PendingAuthorization.Status.done.rawValue)
            WHERE upstream_state_hash = \(secretKey.tokenHash(upstreamState)) AND status = \(PendingAuthorization.Status.upstream.rawValue)
                AND expires_at > \(now)
            RETURNING \(raw: Self.columns)
            """
        ).map(PendingAuthorization.init)
    }

    /// Finishes a request that the end user declined on the consent page. False when it had already moved on.
    func decline(id: String) async throws -> Bool {
        try await !database.query(
            """
            UPDATE oauth_authorizations SET status = \(PendingAuthorization.Status.done.rawValue)
            WHERE id = \(id) AND status = \(PendingAuthorization.Status.consent.rawValue) RETURNING id
            """
        ).isEmpty
    }

    /// Deletes requests that expired before `cutoff` (maintenance).
    func purge(before cutoff: Date) async throws {
        try await database.query("DELETE FROM oauth_authorizations WHERE expires_at < \(cutoff)")
    }

    private static let columns = """
        id, server_id, client_id, redirect_uri, redirect_uri_given, state, code_challenge, resource, issuer, scope, csrf_hash,
        upstream_nonce, upstream_verifier, browser_binding_hash, status, expires_at
        """
}
