import Foundation

/// Token buckets for the per-server limits set on a server's Settings page: a bucket holds a
/// minute's worth of requests and refills continuously, so short bursts pass and a sustained
/// excess gets 429 with the seconds until the next token.
///
/// The buckets are rows of `request_buckets`, so every instance sharing the database enforces
/// the same limit exactly. A take is one `INSERT … ON CONFLICT DO UPDATE … RETURNING`: the
/// refill, the take and the answer happen in one atomic statement (PostgreSQL locks the row for
/// the update; SQLite has one writer), so concurrent takes on any number of instances never hand
/// out more tokens than the bucket holds. Only servers with a limit pay that round trip.
///
/// Time is the instance's clock. A bucket's `updated_at` never moves backwards, so instances
/// whose clocks disagree (or a clock stepped back) refill no faster than the fastest clock.
struct RequestRateLimiter: Sendable {
    let database: any Database

    /// A bucket refills completely within this time, whatever its size: one idle longer is full,
    /// the same as no row, and ``purge(before:)`` may delete it.
    static let refillTime: TimeInterval = 60

    /// Takes a token from `key`'s bucket of `perMinute`; returns nil when allowed, else the
    /// seconds until a token is available.
    func take(_ key: String, perMinute: Int, now: Date = Date()) async throws -> Int? {
        let capacity = Double(max(1, perMinute))
        let refillMilliseconds = String(Int64(Self.refillTime * 1000))
        // The old row's tokens plus the refill since its update, at most a full bucket.
        let refilled: SQLStatement = """
            CASE WHEN excluded.updated_at <= request_buckets.updated_at THEN
                CASE WHEN request_buckets.tokens > excluded.capacity THEN excluded.capacity ELSE request_buckets.tokens END
            WHEN request_buckets.tokens + excluded.capacity * (excluded.updated_at - request_buckets.updated_at) / \(raw: refillMilliseconds)
                >= excluded.capacity THEN excluded.capacity
            ELSE request_buckets.tokens + excluded.capacity * (excluded.updated_at - request_buckets.updated_at) / \(raw: refillMilliseconds)
            END
            """
        let row = try await database.one(
            """
            INSERT INTO request_buckets (key, capacity, tokens, allowed, updated_at)
            VALUES (\(key), \(capacity), \(capacity - 1), 1, \(now))
            ON CONFLICT (key) DO UPDATE SET
                capacity = excluded.capacity,
                tokens = \(refilled) - CASE WHEN \(refilled) >= 1 THEN 1 ELSE 0 END,
                allowed = CASE WHEN \(refilled) >= 1 THEN 1 ELSE 0 END,
                updated_at = CASE WHEN excluded.updated_at > request_buckets.updated_at
                    THEN excluded.updated_at ELSE request_buckets.updated_at END
            RETURNING tokens, allowed
            """
        )
        guard try row.decode("allowed", as: Int64.self) == 0 else { return nil }
        let tokens = try row.decode("tokens", as: Double.self)
        return max(1, Int(((1 - tokens) * Self.refillTime / capacity).rounded(.up)))
    }

    /// Deletes buckets untouched since `cutoff` (maintenance). Any bucket idle for
    /// ``refillTime`` is full again, so deleting it changes no answer.
    func purge(before cutoff: Date) async throws {
        try await database.query("DELETE FROM request_buckets WHERE updated_at < \(cutoff)")
    }
}
