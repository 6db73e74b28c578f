import Foundation

/// Fixed-window request counters kept in the database, so that every instance sharing it
/// enforces the same limit.
public struct RateLimiter: Sendable {
    let database: any Database

    /// A limit of `requests` per `window`.
    public struct Limit: Sendable {
        public let requests: Int
        public let window: Int

        public init(requests: Int, perSeconds window: Int) {
            self.requests = requests
            self.window = window
        }

        /// The start of the window `now` falls in, and the seconds left in it (for `Retry-After`).
        func window(at now: Date) -> (start: Int64, secondsLeft: Int) {
            let seconds = Int64(now.timeIntervalSince1970)
            let start = seconds - seconds % Int64(window)
            return (start, Int(start + Int64(window) - seconds))
        }
    }

    /// Counts one request under `key`. Returns nil when it is allowed, else the seconds until
    /// the window ends (for `Retry-After`).
    public func hit(_ key: String, limit: Limit, now: Date = Date()) async throws -> Int? {
        let (windowStart, secondsLeft) = limit.window(at: now)
        let row = try await database.one(
            """
            INSERT INTO rate_limits (key, window_start, count) VALUES (\(key), \(windowStart), 1)
            ON CONFLICT (key) DO UPDATE SET
                count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
                window_start = excluded.window_start
            RETURNING count
            """
        )
        let count: Int64 = try row.decode("count")
        guard count > limit.requests else { return nil }
        return secondsLeft
    }

    /// Whether any of `keys` is over `limit` in the current window, without counting a request
    /// (for limits on failures: count them with ``hit(_:limit:now:)`` only when they happen).
    /// Returns the seconds until the window ends, or nil.
    public func exceeded(_ keys: [String], limit: Limit, now: Date = Date()) async throws -> Int? {
        let (windowStart, secondsLeft) = limit.window(at: now)
        let rows = try await database.query(
            "SELECT count FROM rate_limits WHERE key IN (\(SQLStatement.joined(keys.map { key -> SQLStatement in "\(key)" }))) AND window_start = \(windowStart)"
        )
        guard try rows.contains(where: { try $0.decode("count", as: Int64.self) >= Int64(limit.requests) }) else { return nil }
        return secondsLeft
    }

    /// Deletes counters of windows that ended before `cutoff` (maintenance).
    public func purge(before cutoff: Date) async throws {
        try await database.query("DELETE FROM rate_limits WHERE window_start < \(Int64(cutoff.timeIntervalSince1970))")
    }
}
