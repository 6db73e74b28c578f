import Foundation
import Logging

/// Email the platform sends (password resets now; invitations and ticket notifications later),
/// queued durably in the database. Until an SMTP relay is configured nothing leaves the
/// machine: each message is logged and listed in the operator console, so that the operator
/// can pass links on by hand.
struct Outbox: Sendable {
    let database: any Database

    /// A queued message, as the operator console lists it.
    struct Message: Sendable {
        let to: String
        let subject: String
        let body: String
        let createdAt: Date
    }

    func enqueue(to: String, subject: String, body: String, logger: Logger, now: Date = Date()) async throws {
        try await database.query(
            "INSERT INTO outbox_emails (to_address, subject, body, created_at) VALUES (\(to), \(subject), \(body), \(now))")
        logger.notice("email queued (no SMTP relay configured: the operator console shows it)", metadata: ["subject": .string(subject)])
    }

    /// The newest messages not sent.
    func unsent(limit: Int = 20) async throws -> [Message] {
        try await database.query(
            "SELECT to_address, subject, body, created_at FROM outbox_emails WHERE sent_at IS NULL ORDER BY id DESC LIMIT \(limit)"
        ).map {
            Message(
                to: try $0.decode("to_address"), subject: try $0.decode("subject"), body: try $0.decode("body"),
                createdAt: try $0.decode("created_at"))
        }
    }
}

/// Password reset links: single use, valid one hour, stored as keyed hashes.
struct PasswordResetStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    static let lifetime: TimeInterval = 3600

    func create(userID: Int64, now: Date = Date()) async throws -> String {
        let token = RandomToken.make()
        try await database.query(
            """
            INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
            VALUES (\(secretKey.tokenHash(token)), \(userID), \(now), \(now.addingTimeInterval(Self.lifetime)))
            """
        )
        return token
    }

    /// The user of a usable reset token, or nil.
    func userID(token: String, now: Date = Date()) async throws -> Int64? {
        guard token.utf8.count <= 128 else { return nil }
        return try await database.first(
            """
            SELECT user_id FROM password_resets
            WHERE token_hash = \(secretKey.tokenHash(token)) AND used_at IS NULL AND expires_at > \(now)
            """
        )?.decode("user_id")
    }

    /// Uses the token up, exactly once; returns its user.
    func consume(token: String, now: Date = Date()) async throws -> Int64? {
        guard token.utf8.count <= 128 else { return nil }
        return try await database.first(
            """
            UPDATE password_resets SET used_at = \(now)
            WHERE token_hash = \(secretKey.tokenHash(token)) AND used_at IS NULL AND expires_at > \(now)
            RETURNING user_id
            """
        )?.decode("user_id")
    }
}
