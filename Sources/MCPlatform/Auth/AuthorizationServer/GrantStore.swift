import Foundation

/// One sign-in of one end user into one client: the authorization code, and then the refresh
/// tokens, hang off it. Revoking it ends all of them.
struct Grant: Sendable, Equatable {
    let id: String
    let serverID: Int64
    let clientID: String
    let endUserID: Int64
    let scope: String
    let resource: String
    let issuer: String
    /// The identity provider's refresh token, sealed; nil when it issued none.
    let upstreamRefreshToken: String?
    let revokedAt: Date?

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        clientID = try row.decode("client_id")
        endUserID = try row.decode("end_user_id")
        scope = try row.decode("scope")
        resource = try row.decode("resource")
        issuer = try row.decode("issuer")
        upstreamRefreshToken = try row.decode("upstream_refresh_token")
        revokedAt = try row.decode("revoked_at")
    }
}

/// An authorization code as redeemed at the token endpoint.
struct RedeemedCode: Sendable {
    let grant: Grant
    let redirectURI: String
    /// Whether the authorization request named the redirect URI (the token request must then repeat it).
    let redirectURIGiven: Bool
    let codeChallenge: String
    let expiresAt: Date
}

/// Storage of grants, authorization codes and refresh tokens. Codes and tokens are stored as
/// keyed hashes only; every lookup is scoped by server.
struct GrantStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    static let codeLifetime: TimeInterval = 120
    static let refreshTokenLifetime: TimeInterval = 30 * 86400

    /// Records a completed sign-in and returns the authorization code for it.
    func createGrant(for authorization: PendingAuthorization, endUserID: Int64, upstreamRefreshToken: String?, now: Date = Date())
        async throws -> String
    {
        let grantID = RandomToken.make(bytes: 16)
        let code = RandomToken.make()
        let sealedRefresh = try upstreamRefreshToken.map { try secretKey.seal($0, purpose: "upstream-refresh-token") }
        try await database.transaction { database in
            try await database.query(
                """
                INSERT INTO oauth_grants (id, server_id, client_id, end_user_id, scope, resource, issuer, upstream_refresh_token, created_at)
                VALUES (\(grantID), \(authorization.serverID), \(authorization.clientID), \(endUserID), \(authorization.scope),
                        \(authorization.resource), \(authorization.issuer), \(sealedRefresh), \(now))
                """
            )
            try await database.query(
                """
                INSERT INTO oauth_codes (code_hash, authorization_id, server_id, grant_id, redirect_uri, redirect_uri_given, code_challenge, created_at, expires_at)
                VALUES (\(self.secretKey.tokenHash(code)), \(authorization.id), \(authorization.serverID), \(grantID), \(authorization.redirectURI),
                        \(authorization.redirectURIGiven), \(authorization.codeChallenge), \(now), \(now.addingTimeInterval(Self.codeLifetime)))
                """
            )
        }
        return code
    }

    /// The outcome of presenting an authorization code.
    enum CodeRedemption {
        case redeemed(RedeemedCode)
        /// Unknown code, or another server's.
        case unknown
        /// Presented before: the grant it produced has now been revoked (RFC 6749 §4.1.2).
        case reused
    }

    /// Marks `code` used, exactly once across all instances.
    func redeem(code: String, serverID: Int64, now: Date = Date()) async throws -> CodeRedemption {
        guard code.utf8.count <= 256 else { return .unknown }
        let hash = secretKey.tokenHash(code)
        let claimed = try await database.first(
            """
            UPDATE oauth_codes SET used_at = \(now) WHERE code_hash = \(hash) AND server_id = \(serverID) AND used_at IS NULL
            RETURNING grant_id, redirect_uri, redirect_uri_given, code_challenge, expires_at
            """
        )
        guard let claimed else {
            guard
                let used = try await database.first(
                    "SELECT grant_id FROM oauth_codes WHERE code_hash = \(hash) AND server_id = \(serverID)")
            else { return .unknown }
            try await revoke(grantID: try used.decode("grant_id"), serverID: serverID, reason: "authorization code reused", now: now)
            return .reused
        }
        guard let grant = try await grant(id: try claimed.decode("grant_id"), serverID: serverID) else { return .unknown }
        return .redeemed(
            RedeemedCode(
                grant: grant, redirectURI: try claimed.decode("redirect_uri"), redirectURIGiven: try claimed.decode("redirect_uri_given"),
                codeChallenge: try claimed.decode("code_challenge"), expiresAt: try claimed.decode("expires_at")))
    }

    func grant(id: String, serverID: Int64) async throws -> Grant? {
        try await database.first("SELECT \(raw: Self.grantColumns) FROM oauth_grants WHERE id = \(id) AND server_id = \(serverID)")
            .map(Grant.init)
    }

    /// Whether grant `id` of `serverID` exists and is not revoked: the per-request check behind access tokens.
    func isActive(grantID: String, serverID: Int64) async throws -> Bool {
        try await database.first(
            "SELECT 1 AS one FROM oauth_grants WHERE id = \(grantID) AND server_id = \(serverID) AND revoked_at IS NULL") != nil
    }

    func revoke(grantID: String, serverID: Int64, reason: String, now: Date = Date()) async throws {
        try await database.query(
            """
            UPDATE oauth_grants SET revoked_at = \(now), revoked_reason = \(reason)
            WHERE id = \(grantID) AND server_id = \(serverID) AND revoked_at IS NULL
            """
        )
    }

    /// Stores the identity provider's newest refresh token for a grant.
    func updateUpstreamRefreshToken(_ token: String, grantID: String, serverID: Int64) async throws {
        let sealed = try secretKey.seal(token, purpose: "upstream-refresh-token")
        try await database.query(
            "UPDATE oauth_grants SET upstream_refresh_token = \(sealed) WHERE id = \(grantID) AND server_id = \(serverID)")
    }

    func upstreamRefreshToken(of grant: Grant) throws -> String? {
        try grant.upstreamRefreshToken.map { try secretKey.open($0, purpose: "upstream-refresh-token") }
    }

    // MARK: Refresh tokens

    /// A new refresh token for `grantID`.
    func issueRefreshToken(grantID: String, now: Date = Date()) async throws -> String {
        let token = RandomToken.make()
        try await database.query(
            """
            INSERT INTO oauth_refresh_tokens (token_hash, grant_id, created_at, expires_at)
            VALUES (\(secretKey.tokenHash(token)), \(grantID), \(now), \(now.addingTimeInterval(Self.refreshTokenLifetime)))
            """
        )
        return token
    }

    /// What a presented refresh token turned out to be.
    enum RefreshLookup {
        /// Unused and unexpired, of an active grant.
        case valid(Grant)
        /// Unknown, expired, or of a revoked grant.
        case invalid
        /// Used before: a sign that it leaked. The grant has been revoked.
        case reused
    }

    func lookUpRefreshToken(_ token: String, serverID: Int64, now: Date = Date()) async throws -> RefreshLookup {
        guard token.utf8.count <= 256,
            let row = try await database.first(
                """
                SELECT t.used_at AS token_used_at, t.expires_at AS token_expires_at, t.successor AS token_successor,
                       \(raw: Self.grantColumns("g"))
                FROM oauth_refresh_tokens t JOIN oauth_grants g ON g.id = t.grant_id
                WHERE t.token_hash = \(secretKey.tokenHash(token)) AND g.server_id = \(serverID)
                """
            )
        else { return .invalid }
        let grant = try Grant(row: row)
        if try row.decode("token_used_at", as: Date?.self) != nil,
            try await unusedSuccessor(of: row, in: database, now: now) == nil
        {
            try await revoke(grantID: grant.id, serverID: serverID, reason: "refresh token reused", now: now)
            return .reused
        }
        guard grant.revokedAt == nil, try row.decode("token_expires_at", as: Date.self) > now else { return .invalid }
        return .valid(grant)
    }

    /// Uses `token` and stores its successor in one transaction, so a crash leaves either the
    /// old token unused or the successor in place. Returns the successor; when `token` was used
    /// already, the same successor again if that is still unused (the answer to the first refresh
    /// was lost and the client retries), else nil: a replay.
    func rotateRefreshToken(_ token: String, grantID: String, now: Date = Date()) async throws -> String? {
        let hash = secretKey.tokenHash(token)
        return try await database.transaction { [secretKey] db in
            // Concurrent refreshes with one token wait for each other here (SQLite has one writer).
            let lock: SQLStatement = db.dialect == .postgres ? " FOR UPDATE" : ""
            guard
                let row = try await db.first(
                    "SELECT used_at AS token_used_at, successor AS token_successor FROM oauth_refresh_tokens WHERE token_hash = \(hash)"
                        + lock)
            else { return nil }
            if try row.decode("token_used_at", as: Date?.self) != nil {
                return try await unusedSuccessor(of: row, in: db, now: now)
            }
            let successor = RandomToken.make()
            try await db.query(
                """
                INSERT INTO oauth_refresh_tokens (token_hash, grant_id, created_at, expires_at)
                VALUES (\(secretKey.tokenHash(successor)), \(grantID), \(now), \(now.addingTimeInterval(Self.refreshTokenLifetime)))
                """
            )
            let sealed = try secretKey.seal(successor, purpose: Self.successorPurpose)
            try await db.query("UPDATE oauth_refresh_tokens SET used_at = \(now), successor = \(sealed) WHERE token_hash = \(hash)")
            return successor
        }
    }

    /// How long after a refresh the same request may be retried for the same answer.
    static let retryWindow: TimeInterval = 600
    private static let successorPurpose = "refresh-token-successor"

    /// The successor of the used token in `row` (`token_used_at`, `token_successor`), when the
    /// token was used less than ``retryWindow`` ago and the successor is unused and unexpired.
    private func unusedSuccessor(of row: SQLRow, in db: any SQLExecutor, now: Date) async throws -> String? {
        guard let usedAt = try row.decode("token_used_at", as: Date?.self), now.timeIntervalSince(usedAt) <= Self.retryWindow,
            let sealed = try row.decode("token_successor", as: String?.self),
            let successor = try? secretKey.open(sealed, purpose: Self.successorPurpose)
        else { return nil }
        let unused = try await db.first(
            """
            SELECT token_hash FROM oauth_refresh_tokens
            WHERE token_hash = \(secretKey.tokenHash(successor)) AND used_at IS NULL AND expires_at > \(now)
            """)
        return unused == nil ? nil : successor
    }

    /// The grant of a refresh token, whatever its state (for revocation).
    func grantOfRefreshToken(_ token: String, serverID: Int64) async throws -> Grant? {
        guard token.utf8.count <= 256 else { return nil }
        return try await database.first(
            """
            SELECT \(raw: Self.grantColumns("g")) FROM oauth_refresh_tokens t JOIN oauth_grants g ON g.id = t.grant_id
            WHERE t.token_hash = \(secretKey.tokenHash(token)) AND g.server_id = \(serverID)
            """
        ).map(Grant.init)
    }

    /// Deletes expired codes and refresh tokens, and grants revoked more than 30 days before `now` (maintenance).
    func purge(before now: Date) async throws {
        try await database.query("DELETE FROM oauth_codes WHERE expires_at < \(now.addingTimeInterval(-3600))")
        try await database.query("DELETE FROM oauth_refresh_tokens WHERE expires_at < \(now)")
        try await database.query("DELETE FROM oauth_grants WHERE revoked_at < \(now.addingTimeInterval(-30 * 86400))")
    }

    private static let grantColumns = grantColumns(nil)

    private static func grantColumns(_ table: String?) -> String {
        let prefix = table.map { "\($0)." } ?? ""
        return ["id", "server_id", "client_id", "end_user_id", "scope", "resource", "issuer", "upstream_refresh_token", "revoked_at"]
            .map { prefix + $0 }.joined(separator: ", ")
    }
}
