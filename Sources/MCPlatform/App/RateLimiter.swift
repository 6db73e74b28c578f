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
    }

    /// Counts one request under `key`. Returns nil when it is allowed, else the seconds until
    /// the window ends (for `Retry-After`).
    public func hit(_ key: String, limit: Limit, now: Date = Date()) async throws -> Int? {
        let seconds = Int64(now.timeIntervalSince1970)
        let windowStart = seconds - seconds % Int64(limit.window)
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
        return Int(windowStart + Int64(limit.window) - seconds)
    }

    /// Whether any of `keys` is over `limit` in the current window, without counting a request
    /// (for limits on failures: count them with ``hit(_:limit:now:)`` only when they happen).
    /// Returns the seconds until the window ends, or nil.
    public func exceeded(_ keys: [String], limit: Limit, now: Date = Date()) async throws -> Int? {
        let seconds = Int64(now.timeIntervalSince1970)
        let windowStart = seconds - seconds % Int64(limit.window)
        let rows = try await database.query(
            "SELECT count FROM rate_limits WHERE key IN (\(SQLStatement.joined(keys.map { key -> SQLStatement in "\(key)" }))) AND window_start = \(windowStart)"
        )
        guard try rows.contains(where: { try $0.decode("count", as: Int64.self) >= Int64(limit.requests) }) else { return nil }
        return Int(windowStart + Int64(limit.window) - seconds)
    }

    /// Deletes counters of windows that ended before `cutoff` (maintenance).
    public func purge(before cutoff: Date) async throws {
        try await database.query("DELETE FROM rate_limits WHERE window_start < \(Int64(cutoff.timeIntervalSince1970))")
    }
}
