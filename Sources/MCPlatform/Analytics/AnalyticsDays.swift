import Foundation

/// A server's activity per UTC day: computed from raw events and per-minute request counts,
/// and stored as rollups (`analytics_days`) that outlive the raw data.
struct AnalyticsDays: Sendable {
    let database: any SQLExecutor

    /// Days since 1970-01-01 (UTC).
    static func day(of date: Date) -> Int64 { Int64(floor(date.timeIntervalSince1970 / 86400)) }

    static func date(of day: Int64) -> Date { Date(timeIntervalSince1970: Double(day) * 86400) }

    /// The counts of one day.
    struct Counts: Sendable, Equatable {
        var requests = RequestStatistics.Summary()
        var activeUsers: Int64 = 0
        var toolCalls: Int64 = 0
        var searches: Int64 = 0
        var resolved: Int64 = 0
        var unresolved: Int64 = 0
    }

    /// Per-day counts computed from raw data, for the days in `days` that have any.
    func raw(serverID: Int64, days: Range<Int64>) async throws -> [Int64: Counts] {
        var counts: [Int64: Counts] = [:]
        let bucketSums = (0...RequestStatistics.bucketBounds.count).map { "CAST(sum(l\($0)) AS BIGINT) AS l\($0)" }.joined(separator: ", ")
        for row in try await database.query(
            """
            SELECT minute / 1440 AS day, CAST(sum(requests) AS BIGINT) AS requests, CAST(sum(errors) AS BIGINT) AS errors,
                CAST(sum(latency_us) AS BIGINT) AS latency_us, \(raw: bucketSums)
            FROM request_minutes WHERE server_id = \(serverID) AND minute >= \(days.lowerBound * 1440) AND minute < \(days.upperBound * 1440)
            GROUP BY minute / 1440
            """)
        {
            try counts[try row.decode("day"), default: Counts()].requests.add(row: row)
        }
        let start = Self.date(of: days.lowerBound)
        let end = Self.date(of: days.upperBound)
        for row in try await database.query(
            """
            SELECT created_at / 86400000 AS day, count(DISTINCT CASE WHEN tool IS NOT NULL THEN participant END) AS active_users,
                CAST(sum(CASE WHEN tool IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS tool_calls,
                CAST(sum(CASE WHEN tool = 'search_docs' THEN 1 ELSE 0 END) AS BIGINT) AS searches,
                CAST(sum(CASE WHEN tool = 'search_docs' AND resolution = 'resolved' THEN 1 ELSE 0 END) AS BIGINT) AS resolved,
                CAST(sum(CASE WHEN tool = 'search_docs' AND resolution = 'unresolved' THEN 1 ELSE 0 END) AS BIGINT) AS unresolved
            FROM mcp_events WHERE server_id = \(serverID) AND created_at >= \(start) AND created_at < \(end)
            GROUP BY created_at / 86400000
            """)
        {
            let day: Int64 = try row.decode("day")
            counts[day, default: Counts()].activeUsers = try row.decode("active_users")
            counts[day, default: Counts()].toolCalls = try row.decode("tool_calls")
            counts[day, default: Counts()].searches = try row.decode("searches")
            counts[day, default: Counts()].resolved = try row.decode("resolved")
            counts[day, default: Counts()].unresolved = try row.decode("unresolved")
        }
        return counts
    }

    /// The stored rollups of the days in `days`.
    func stored(serverID: Int64, days: Range<Int64>) async throws -> [Int64: Counts] {
        var counts: [Int64: Counts] = [:]
        for row in try await database.query(
            """
            SELECT * FROM analytics_days WHERE server_id = \(serverID) AND day >= \(days.lowerBound) AND day < \(days.upperBound)
            """)
        {
            var day = Counts()
            try day.requests.add(row: row)
            day.activeUsers = try row.decode("active_users")
            day.toolCalls = try row.decode("tool_calls")
            day.searches = try row.decode("searches")
            day.resolved = try row.decode("resolved")
            day.unresolved = try row.decode("unresolved")
            counts[try row.decode("day")] = day
        }
        return counts
    }

    /// The days of `days` before which rollups exist: stored rollups answer for days below it,
    /// raw data for the rest.
    func firstLiveDay(serverID: Int64, days: Range<Int64>) async throws -> Int64 {
        let rolled: Int64? = try await database.first(
            "SELECT max(day) AS rolled FROM analytics_days WHERE server_id = \(serverID) AND day < \(days.upperBound)"
        )?.decode("rolled")
        return min(max(days.lowerBound, (rolled ?? days.lowerBound - 1) + 1), days.upperBound)
    }

    /// Per-day counts over `days`: rollups where they exist, raw data after them.
    func counts(serverID: Int64, days: Range<Int64>) async throws -> [Int64: Counts] {
        let live = try await firstLiveDay(serverID: serverID, days: days)
        var counts = try await stored(serverID: serverID, days: days.lowerBound..<live)
        counts.merge(try await raw(serverID: serverID, days: live..<days.upperBound)) { _, raw in raw }
        return counts
    }

    /// Computes and stores (or replaces) the rollup of one day.
    func rollUp(serverID: Int64, day: Int64) async throws {
        let counts = try await raw(serverID: serverID, days: day..<(day + 1))[day] ?? Counts()
        let buckets = SQLStatement.joined(counts.requests.buckets.map { count -> SQLStatement in "\(count)" })
        try await database.query(
            """
            INSERT INTO analytics_days (server_id, day, requests, errors, latency_us, \(raw: RequestStatistics.bucketColumns), active_users,
                tool_calls, searches, resolved, unresolved)
            VALUES (\(serverID), \(day), \(counts.requests.requests), \(counts.requests.errors), \(counts.requests.latencyMicroseconds),
                \(buckets), \(counts.activeUsers), \(counts.toolCalls), \(counts.searches), \(counts.resolved), \(counts.unresolved))
            ON CONFLICT (server_id, day) DO UPDATE SET requests = excluded.requests, errors = excluded.errors,
                latency_us = excluded.latency_us, \(raw: Self.bucketUpdates), active_users = excluded.active_users,
                tool_calls = excluded.tool_calls, searches = excluded.searches, resolved = excluded.resolved, unresolved = excluded.unresolved
            """)
    }

    private static let bucketUpdates = (0...RequestStatistics.bucketBounds.count).map { "l\($0) = excluded.l\($0)" }
        .joined(separator: ", ")
}
