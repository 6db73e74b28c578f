import Foundation

/// Signed-in browsers: a random token in an HttpOnly cookie, stored as a keyed hash, valid for
/// 14 days of inactivity (at most 30 days in all).
public struct WebSessionStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    static let idleLifetime: TimeInterval = 14 * 86400
    static let absoluteLifetime: TimeInterval = 30 * 86400

    /// Starts a session for `userID`; returns the cookie value.
    func create(userID: Int64, now: Date = Date()) async throws -> String {
        let token = RandomToken.make()
        try await database.query(
            """
            INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
            VALUES (\(secretKey.tokenHash(token)), \(userID), \(now), \(now.addingTimeInterval(Self.absoluteLifetime)), \(now))
            """
        )
        return token
    }

    /// The user of a live session, refreshing its activity at most once a minute.
    func user(token: String, now: Date = Date()) async throws -> User? {
        guard token.utf8.count <= 128,
            let row = try await database.first(
                """
                SELECT u.id, u.email, u.name, u.is_operator, s.last_seen_at AS session_seen_at FROM web_sessions s
                JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = \(secretKey.tokenHash(token)) AND s.expires_at > \(now)
                    AND s.last_seen_at > \(now.addingTimeInterval(-Self.idleLifetime))
                """
            )
        else { return nil }
        if now.timeIntervalSince(try row.decode("session_seen_at", as: Date.self)) > 60 {
            try await database.query("UPDATE web_sessions SET last_seen_at = \(now) WHERE token_hash = \(secretKey.tokenHash(token))")
        }
        return try User(row: row)
    }

    func end(token: String) async throws {
        try await database.query("DELETE FROM web_sessions WHERE token_hash = \(secretKey.tokenHash(token))")
    }

    /// Ends every session of a user (password change).
    func endAll(userID: Int64) async throws {
        try await database.query("DELETE FROM web_sessions WHERE user_id = \(userID)")
    }

    /// The CSRF token of the forms of a session: derived from the session token, so nothing
    /// more is stored, and useless without the session cookie.
    func csrfToken(for sessionToken: String) -> String {
        secretKey.tokenHash("csrf|" + sessionToken)
    }

    /// Deletes expired sessions (maintenance).
    func purge(before now: Date) async throws {
        try await database.query(
            "DELETE FROM web_sessions WHERE expires_at < \(now) OR last_seen_at < \(now.addingTimeInterval(-Self.idleLifetime))")
    }
}
