import Foundation
import Logging

/// Email the platform sends (password resets now; invitations and ticket notifications later),
/// queued durably in the database.
///
/// With an SMTP relay (`--smtp-url`), ``OutboxSender`` delivers the queue: each message is claimed
/// by one instance at a time, retried after transient failures (1, 2, 4 … minutes, at most an
/// hour apart) and given up after ``maximumAttempts`` or a permanent (5xx) refusal. Without one,
/// nothing leaves the machine: each message is logged and listed in the operator console, so that
/// the operator can pass links on by hand.
struct Outbox: Sendable {
    let database: any Database
    /// The relay that delivers the queue (password masked), or nil when there is none.
    let relay: String?

    /// Attempts after which a message is given up.
    static let maximumAttempts = 10
    /// How long a claimed message belongs to the instance sending it; a message whose sender died
    /// is tried again after this. Longer than ``SMTPClient``'s bound on a delivery.
    static let lease: TimeInterval = 600

    /// A queued message.
    struct Message: Sendable {
        let id: Int64
        let to: String
        let subject: String
        let body: String
        let createdAt: Date
        /// Deliveries tried so far, including a claimed one.
        let attempts: Int
        let lastError: String?
        /// When it is tried next; nil once sent or given up.
        let nextAttemptAt: Date?
        /// When it was given up.
        let failedAt: Date?

        init(row: SQLRow) throws {
            id = try row.decode("id")
            to = try row.decode("to_address")
            subject = try row.decode("subject")
            body = try row.decode("body")
            createdAt = try row.decode("created_at")
            attempts = Int(try row.decode("attempts", as: Int64.self))
            lastError = try row.decode("last_error")
            nextAttemptAt = try row.decode("next_attempt_at")
            failedAt = try row.decode("failed_at")
        }
    }

    private static let columns = "id, to_address, subject, body, created_at, attempts, last_error, next_attempt_at, failed_at"

    func enqueue(to: String, subject: String, body: String, logger: Logger, now: Date = Date()) async throws {
        try await database.query(
            """
            INSERT INTO outbox_emails (to_address, subject, body, created_at, next_attempt_at)
            VALUES (\(to), \(subject), \(body), \(now), \(now))
            """
        )
        if relay == nil {
            logger.notice("email queued (no SMTP relay configured: the operator console shows it)", metadata: ["subject": .string(subject)])
        } else {
            logger.info("email queued", metadata: ["subject": .string(subject)])
        }
    }

    /// The newest messages not sent: waiting, being retried, or given up.
    func unsent(limit: Int = 20) async throws -> [Message] {
        try await database.query(
            "SELECT \(raw: Self.columns) FROM outbox_emails WHERE sent_at IS NULL ORDER BY id DESC LIMIT \(limit)"
        ).map(Message.init)
    }

    /// Takes the oldest due message for this instance, counting an attempt and leasing it for
    /// ``lease``. The conditional update makes the claim atomic across instances sharing the database.
    func claimNext(now: Date = Date()) async throws -> Message? {
        let candidates = try await database.query(
            """
            SELECT id FROM outbox_emails WHERE next_attempt_at <= \(now) AND sent_at IS NULL AND failed_at IS NULL
            ORDER BY next_attempt_at, id LIMIT 5
            """
        )
        for candidate in candidates {
            let id: Int64 = try candidate.decode("id")
            if let claimed = try await database.first(
                """
                UPDATE outbox_emails SET attempts = attempts + 1, next_attempt_at = \(now.addingTimeInterval(Self.lease))
                WHERE id = \(id) AND next_attempt_at <= \(now) AND sent_at IS NULL AND failed_at IS NULL
                RETURNING \(raw: Self.columns)
                """
            ) {
                return try Message(row: claimed)
            }
        }
        return nil
    }

    /// Records the delivery and empties the body: it may hold a sign-in credential (an
    /// invitation or password-reset link) that has no business staying in the database.
    func markSent(id: Int64, now: Date = Date()) async throws {
        try await database.query(
            "UPDATE outbox_emails SET sent_at = \(now), next_attempt_at = NULL, last_error = NULL, body = '' WHERE id = \(id)")
    }

    /// Records a failed attempt of a claimed message: tried again later (the returned date), or
    /// given up (nil) when `permanent` or after ``maximumAttempts``.
    @discardableResult
    func markFailed(_ message: Message, error: String, permanent: Bool, now: Date = Date()) async throws -> Date? {
        let error = String(error.prefix(1000))
        guard !permanent, message.attempts < Self.maximumAttempts else {
            try await database.query(
                "UPDATE outbox_emails SET failed_at = \(now), next_attempt_at = NULL, last_error = \(error) WHERE id = \(message.id)")
            return nil
        }
        let retry = now.addingTimeInterval(Self.retryDelay(afterAttempt: message.attempts))
        try await database.query("UPDATE outbox_emails SET next_attempt_at = \(retry), last_error = \(error) WHERE id = \(message.id)")
        return retry
    }

    /// 1 minute after the first attempt, then twice as long after each, at most an hour.
    static func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        min(60 * pow(2, Double(max(attempt, 1) - 1)), 3600)
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
