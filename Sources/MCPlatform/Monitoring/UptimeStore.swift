import Foundation

/// The synthetic uptime checks: one row per server and minute (`uptime_checks`), claimed by the
/// instance that runs the check and completed with its outcome. About 1,440 small rows per
/// server and day, kept ``retention``; no daily rollup is needed at that size.
struct UptimeStore: Sendable {
    let database: any Database

    static let retention: TimeInterval = 400 * 86400

    /// The outcome of one check.
    struct Result: Sendable, Equatable {
        var ok: Bool
        var latencyMilliseconds: Int64
        /// The HTTP status of the answer; nil without one (timeout, refused connection).
        var httpStatus: Int?
        /// Why the server is down; nil when up.
        var error: String?
    }

    /// Checks and successful checks of a server over a period.
    struct Uptime: Sendable, Equatable {
        var checks: Int
        var up: Int

        /// Up checks in percent; nil without checks.
        var percent: Double? { checks == 0 ? nil : Double(up) * 100 / Double(checks) }

        /// `99.93 %`, or `—` without checks.
        var formatted: String { percent.map { String(format: "%.2f %%", $0) } ?? "—" }
    }

    /// Claims the check of `serverID` for `minute`: true for the one instance whose insert
    /// made the row, false for every other.
    func claim(serverID: Int64, minute: Int64, now: Date = Date()) async throws -> Bool {
        try await !database.query(
            """
            INSERT INTO uptime_checks (server_id, minute, checked_at) VALUES (\(serverID), \(minute), \(now))
            ON CONFLICT (server_id, minute) DO NOTHING RETURNING server_id
            """
        ).isEmpty
    }

    /// Records the outcome of a claimed check.
    func record(_ result: Result, serverID: Int64, minute: Int64, now: Date = Date()) async throws {
        try await database.query(
            """
            UPDATE uptime_checks SET ok = \(result.ok), latency_ms = \(result.latencyMilliseconds),
                http_status = \(result.httpStatus.map(Int64.init)), error = \(result.error), checked_at = \(now)
            WHERE server_id = \(serverID) AND minute = \(minute)
            """)
    }

    /// Completed checks of `serverID` from `start` (until `end`) and how many found it up.
    func uptime(serverID: Int64, since start: Date, until end: Date = .distantFuture) async throws -> Uptime {
        let row = try await database.one(
            """
            SELECT COUNT(*) AS checks, COUNT(CASE WHEN ok = 1 THEN 1 END) AS up FROM uptime_checks
            WHERE server_id = \(serverID) AND ok IS NOT NULL AND minute >= \(Self.minute(of: start))
                AND minute < \(Self.minute(of: min(end, Date(timeIntervalSince1970: 1e12))))
            """)
        return Uptime(checks: Int(try row.decode("checks", as: Int64.self)), up: Int(try row.decode("up", as: Int64.self)))
    }

    /// Uptime over the last 24 hours, 7 days and 30 days, labelled for pages.
    func periods(serverID: Int64, now: Date = Date()) async throws -> [(label: String, uptime: Uptime)] {
        var periods: [(label: String, uptime: Uptime)] = []
        for (label, days) in [("24 h", 1.0), ("7 d", 7), ("30 d", 30)] {
            periods.append((label, try await uptime(serverID: serverID, since: now.addingTimeInterval(-days * 86400))))
        }
        return periods
    }

    /// The outcomes (up or not) of the newest `limit` completed checks of `serverID`, newest first.
    func latest(serverID: Int64, limit: Int) async throws -> [Bool] {
        try await database.query(
            """
            SELECT ok FROM uptime_checks WHERE server_id = \(serverID) AND ok IS NOT NULL
            ORDER BY minute DESC LIMIT \(Int64(limit))
            """
        ).map { try $0.decode("ok") }
    }

    /// Deletes checks older than `cutoff`.
    func purge(before cutoff: Date) async throws {
        try await database.query("DELETE FROM uptime_checks WHERE minute < \(Self.minute(of: cutoff))")
    }

    /// Removes the MCP session a check opened, so that checks do not show as customers' sessions.
    func forgetSession(id: String, serverID: Int64) async throws {
        try await database.query("DELETE FROM mcp_sessions WHERE id = \(id) AND server_id = \(serverID)")
    }

    /// Minutes since the Unix epoch.
    static func minute(of date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970) / 60
    }
}
