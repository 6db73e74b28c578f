import Foundation

/// What the analytics pages show for one server: the pilot's numbers over a period, per-day
/// series, queries, content gaps, pages, clients, end users and sessions (definitions in
/// docs/analytics.md). Days that are rolled up are read from the rollups; later days from raw
/// events, so the overview stays fast however many events there are.
public struct AnalyticsReport: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    private func days(of period: AnalyticsPeriod) -> Range<Int64> {
        AnalyticsDays.day(of: period.start)..<AnalyticsDays.day(of: period.end)
    }

    // MARK: Overview

    public func overview(serverID: Int64, period: AnalyticsPeriod, now: Date = Date()) async throws -> AnalyticsOverview {
        var overview = AnalyticsOverview(period: period)
        let (start, end) = (period.start, period.end)
        var requests = RequestStatistics.Summary()
        for day in try await AnalyticsDays(database: database).counts(serverID: serverID, days: days(of: period)).values {
            requests.add(
                requests: day.requests.requests, errors: day.requests.errors, latencyMicroseconds: day.requests.latencyMicroseconds,
                buckets: day.requests.buckets)
            overview.toolCalls += Int(day.toolCalls)
            overview.searches += Int(day.searches)
            overview.resolvedSearches += Int(day.resolved)
            overview.unresolvedSearches += Int(day.unresolved)
        }
        overview.pendingSearches = overview.searches - overview.resolvedSearches - overview.unresolvedSearches
        overview.requests = requests.requests
        overview.failedRequests = min(requests.errors, requests.requests)
        overview.averageLatencyMilliseconds = requests.averageMilliseconds
        overview.p50Latency = requests.percentile(0.5)
        overview.p95Latency = requests.percentile(0.95)

        overview.activeUsers = try await activeUsers(serverID: serverID, from: start, to: end)
        let lastDayEnd = min(end, now.addingTimeInterval(1))
        let lastDayStart = AnalyticsDays.date(of: AnalyticsDays.day(of: lastDayEnd.addingTimeInterval(-1)))
        overview.dailyActiveUsers = try await activeUsers(serverID: serverID, from: lastDayStart, to: lastDayEnd)
        overview.weeklyActiveUsers = try await activeUsers(
            serverID: serverID, from: lastDayStart.addingTimeInterval(-6 * 86400), to: lastDayEnd)
        overview.monthlyActiveUsers = try await activeUsers(
            serverID: serverID, from: lastDayStart.addingTimeInterval(-29 * 86400), to: lastDayEnd)

        let sessionsOfPeriod: SQLStatement = """
            FROM analytics_sessions WHERE server_id = \(serverID) AND tool_calls > 0 AND started_at >= \(start) AND started_at < \(end)
            """
        overview.sessions = Int(
            try await database.one("SELECT count(*) AS sessions " + sessionsOfPeriod).decode("sessions", as: Int64.self))
        overview.medianSessionSeconds = try await sessionDuration(rank: Self.rank(0.5, of: overview.sessions), sessionsOfPeriod)
        overview.p90SessionSeconds = try await sessionDuration(rank: Self.rank(0.9, of: overview.sessions), sessionsOfPeriod)

        let others = try await database.one(
            """
            SELECT
                (SELECT count(*) FROM tickets WHERE server_id = \(serverID) AND created_at >= \(start) AND created_at < \(end)) AS tickets,
                (SELECT count(*) FROM walkthrough_runs WHERE server_id = \(serverID) AND started_at >= \(start) AND started_at < \(end)) AS starts,
                (SELECT count(*) FROM walkthrough_runs WHERE server_id = \(serverID) AND finished_at >= \(start) AND finished_at < \(end)) AS finishes,
                (SELECT count(*) FROM feedback WHERE server_id = \(serverID) AND helpful <> 0 AND created_at >= \(start) AND created_at < \(end)) AS helpful,
                (SELECT count(*) FROM feedback WHERE server_id = \(serverID) AND helpful = 0 AND created_at >= \(start) AND created_at < \(end)) AS unhelpful
            """)
        overview.tickets = Int(try others.decode("tickets", as: Int64.self))
        overview.walkthroughStarts = Int(try others.decode("starts", as: Int64.self))
        overview.walkthroughCompletions = Int(try others.decode("finishes", as: Int64.self))
        overview.feedbackHelpful = Int(try others.decode("helpful", as: Int64.self))
        overview.feedbackNotHelpful = Int(try others.decode("unhelpful", as: Int64.self))
        overview.uptimePercent = try await UptimeStore(database: database).uptime(serverID: serverID, since: start, until: end).percent
        return overview
    }

    /// Distinct participants with a request in [from, to): a usage session overlapping it (a
    /// session has a request at least every 30 minutes, so overlapping means a request inside).
    /// Only sessions with a tool call count: a client that connects when its IDE starts and
    /// does nothing else is not a user of the docs.
    private func activeUsers(serverID: Int64, from: Date, to: Date) async throws -> Int {
        Int(
            try await database.one(
                """
                SELECT count(DISTINCT participant) AS users FROM analytics_sessions
                WHERE server_id = \(serverID) AND tool_calls > 0 AND last_activity_at >= \(from) AND started_at < \(to)
                """
            ).decode("users", as: Int64.self))
    }

    /// The nearest rank (1-based) of the `fraction` percentile among `count` values; nil when empty.
    static func rank(_ fraction: Double, of count: Int) -> Int? {
        count == 0 ? nil : min(max(Int((Double(count) * fraction).rounded(.up)), 1), count)
    }

    /// The duration in seconds of the session at `rank` when ordered by duration: the database
    /// sorts, so only one value comes back however many sessions the period has.
    private func sessionDuration(rank: Int?, _ sessions: SQLStatement) async throws -> Double? {
        guard let rank else { return nil }
        let row = try await database.first(
            "SELECT last_activity_at - started_at AS duration " + sessions + " ORDER BY duration LIMIT 1 OFFSET \(Int64(rank - 1))")
        return try row.map { Double(try $0.decode("duration", as: Int64.self)) / 1000 }
    }

    /// One entry per day of the period, oldest first, with zeros for quiet days.
    public func days(serverID: Int64, period: AnalyticsPeriod) async throws -> [AnalyticsDay] {
        let range = days(of: period)
        let counts = try await AnalyticsDays(database: database).counts(serverID: serverID, days: range)
        var sessions: [Int64: Int] = [:]
        for row in try await database.query(
            """
            SELECT started_at / 86400000 AS day, count(*) AS sessions FROM analytics_sessions
            WHERE server_id = \(serverID) AND tool_calls > 0 AND started_at >= \(period.start) AND started_at < \(period.end)
            GROUP BY started_at / 86400000
            """)
        {
            sessions[try row.decode("day")] = Int(try row.decode("sessions", as: Int64.self))
        }
        return range.map { day in
            var entry = AnalyticsDay(day: AnalyticsDays.date(of: day))
            let count = counts[day] ?? .init()
            entry.activeUsers = Int(count.activeUsers)
            entry.sessions = sessions[day] ?? 0
            entry.searches = Int(count.searches)
            entry.resolvedSearches = Int(count.resolved)
            entry.unresolvedSearches = Int(count.unresolved)
            entry.toolCalls = Int(count.toolCalls)
            entry.requests = count.requests.requests
            entry.failedRequests = min(count.requests.errors, count.requests.requests)
            return entry
        }
    }

    // MARK: Queries, pages and tools (daily rollups, then raw events)

    /// The most asked queries of the period.
    public func topQueries(serverID: Int64, period: AnalyticsPeriod, limit: Int) async throws -> [QueryStatistics] {
        try await queries(serverID: serverID, period: period, order: .hits, limit: limit)
    }

    /// Query groups with zero-result or unresolved searches, most such searches first.
    public func contentGaps(serverID: Int64, period: AnalyticsPeriod, limit: Int) async throws -> [QueryStatistics] {
        try await queries(serverID: serverID, period: period, order: .failures, limit: limit)
    }

    private func queries(serverID: Int64, period: AnalyticsPeriod, order: AnalyticsDayKeys.Order, limit: Int) async throws
        -> [QueryStatistics]
    {
        try await AnalyticsDayKeys(database: database).top(
            serverID: serverID, kind: .query, days: days(of: period), order: order, limit: limit
        )
        .map { entry in
            QueryStatistics(
                query: entry.label ?? entry.key, key: entry.key, searches: Int(entry.hits), users: Int(entry.users),
                zeroResults: Int(entry.zeroResults), resolved: Int(entry.resolved), unresolved: Int(entry.unresolved),
                lastSeen: entry.lastSeen ?? period.start, exampleSessions: [entry.exampleSession].compactMap { $0 })
        }
    }

    /// Pages by how often agents read them, then by how often search results showed them.
    public func pages(serverID: Int64, period: AnalyticsPeriod, limit: Int) async throws -> [PageStatistics] {
        try await AnalyticsDayKeys(database: database).top(
            serverID: serverID, kind: .page, days: days(of: period), order: .hits, limit: limit
        )
        .map { PageStatistics(url: $0.key, reads: Int($0.hits), shown: Int($0.shown)) }
    }

    // MARK: People and sessions

    /// MCP clients by the names they give in `initialize`.
    public func clients(serverID: Int64, period: AnalyticsPeriod) async throws -> [ClientStatistics] {
        let rows = try await database.query(
            """
            SELECT client_name, client_version, count(*) AS sessions, count(DISTINCT participant) AS users FROM analytics_sessions
            WHERE server_id = \(serverID) AND tool_calls > 0 AND last_activity_at >= \(period.start) AND started_at < \(period.end)
            GROUP BY client_name, client_version
            """)
        var byName: [String: (versions: [String], sessions: Int, users: Int)] = [:]
        for row in rows {
            let name = try row.decode("client_name", as: String?.self) ?? "unknown"
            var entry = byName[name] ?? ([], 0, 0)
            if let version = try row.decode("client_version", as: String?.self) { entry.versions.append(version) }
            entry.sessions += Int(try row.decode("sessions", as: Int64.self))
            entry.users += Int(try row.decode("users", as: Int64.self))
            byName[name] = entry
        }
        return byName.map {
            ClientStatistics(name: $0.key, versions: $0.value.versions.sorted(), users: $0.value.users, sessions: $0.value.sessions)
        }
        .sorted { ($0.users, $0.sessions, $1.name) > ($1.users, $1.sessions, $0.name) }
    }

    /// Feature adoption: per tool, how many participants used it in the period and how often.
    public func adoption(serverID: Int64, period: AnalyticsPeriod) async throws -> [ToolAdoption] {
        let calls = try await AnalyticsDayKeys(database: database).top(
            serverID: serverID, kind: .tool, days: days(of: period), order: .hits, limit: 1000)
        // Users per tool from the usage sessions (kept for good), each counted once.
        var users: [String: Set<String>] = [:]
        for row in try await database.query(
            """
            SELECT DISTINCT participant, tools FROM analytics_sessions
            WHERE server_id = \(serverID) AND tool_calls > 0 AND last_activity_at >= \(period.start) AND started_at < \(period.end)
            """)
        {
            let participant: String = try row.decode("participant")
            for tool in try row.decode("tools", as: String.self).split(separator: ",") {
                users[String(tool), default: []].insert(participant)
            }
        }
        return calls.map { ToolAdoption(tool: $0.key, users: users[$0.key]?.count ?? 0, calls: Int($0.hits)) }
            .sorted { ($0.users, $0.calls, $1.tool) > ($1.users, $1.calls, $0.tool) }
    }

    /// End users active in the period, most recently active first.
    public func endUsers(serverID: Int64, period: AnalyticsPeriod, limit: Int, offset: Int) async throws -> [EndUserActivity] {
        try await database.query(
            """
            SELECT a.participant, max(u.email) AS email, max(u.name) AS name, count(*) AS sessions,
                CAST(sum(a.searches) AS BIGINT) AS searches, CAST(sum(a.tool_calls) AS BIGINT) AS tool_calls,
                min(a.started_at) AS first_seen, max(a.last_activity_at) AS last_seen
            FROM analytics_sessions a LEFT JOIN end_users u ON u.id = a.end_user_id AND u.server_id = a.server_id
            WHERE a.server_id = \(serverID) AND a.tool_calls > 0 AND a.last_activity_at >= \(period.start) AND a.started_at < \(period.end)
            GROUP BY a.participant ORDER BY last_seen DESC, a.participant LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
            """
        ).map { row in
            EndUserActivity(
                participant: try row.decode("participant"),
                label: try row.decode("email", as: String?.self) ?? row.decode("name", as: String?.self),
                sessions: Int(try row.decode("sessions", as: Int64.self)), searches: Int(try row.decode("searches", as: Int64.self)),
                toolCalls: Int(try row.decode("tool_calls", as: Int64.self)), firstSeen: try row.decode("first_seen"),
                lastSeen: try row.decode("last_seen"))
        }
    }

    private static let sessionColumns: SQLStatement = """
        SELECT a.id, a.participant, u.email, u.name, a.client_name, a.client_version, a.started_at, a.last_activity_at, a.requests,
            a.tool_calls, a.searches
        FROM analytics_sessions a LEFT JOIN end_users u ON u.id = a.end_user_id AND u.server_id = a.server_id
        """

    private static func session(_ row: SQLRow) throws -> AnalyticsSession {
        AnalyticsSession(
            id: try row.decode("id"), participant: try row.decode("participant"),
            label: try row.decode("email", as: String?.self) ?? row.decode("name", as: String?.self),
            clientName: try row.decode("client_name"), clientVersion: try row.decode("client_version"),
            startedAt: try row.decode("started_at"), lastActivityAt: try row.decode("last_activity_at"),
            requests: Int(try row.decode("requests", as: Int64.self)), toolCalls: Int(try row.decode("tool_calls", as: Int64.self)),
            searches: Int(try row.decode("searches", as: Int64.self)))
    }

    /// Usage sessions (with a tool call) started in the period, of one participant if given, newest first.
    public func sessions(serverID: Int64, period: AnalyticsPeriod, participant: String?, limit: Int, offset: Int) async throws
        -> [AnalyticsSession]
    {
        let filter: SQLStatement = participant.map { "AND a.participant = \($0)" } ?? ""
        return try await database.query(
            Self.sessionColumns
                + """
                 WHERE a.server_id = \(serverID) AND a.tool_calls > 0 AND a.started_at >= \(period.start) AND a.started_at < \(period.end) \(filter)
                ORDER BY a.started_at DESC, a.id DESC LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
                """
        ).map(Self.session)
    }

    /// One usage session of the server.
    public func session(serverID: Int64, id: Int64) async throws -> AnalyticsSession? {
        try await database.first(Self.sessionColumns + " WHERE a.server_id = \(serverID) AND a.id = \(id)").map(Self.session)
    }

    /// The requests of a usage session in order (empty once its events passed the retention).
    public func timeline(serverID: Int64, sessionID: Int64) async throws -> [SessionEvent] {
        try await database.query(
            """
            SELECT method, tool, summary, result_count, outcome, latency_us, resolution, resolution_reason, created_at FROM mcp_events
            WHERE analytics_session_id = \(sessionID) AND server_id = \(serverID) ORDER BY id LIMIT 5000
            """
        ).map { row in
            SessionEvent(
                at: try row.decode("created_at"), method: try row.decode("method"), tool: try row.decode("tool"),
                summary: try row.decode("summary"), resultCount: try row.decode("result_count", as: Int64?.self).map(Int.init),
                outcome: try row.decode("outcome"), latencyMilliseconds: Double(try row.decode("latency_us", as: Int64.self)) / 1000,
                resolution: try row.decode("resolution"), resolutionReason: try row.decode("resolution_reason"))
        }
    }

    /// The latest explicit feedback of the period.
    public func feedback(serverID: Int64, period: AnalyticsPeriod, limit: Int) async throws -> [FeedbackEntry] {
        try await database.query(
            """
            SELECT helpful, query, url, comment, participant, created_at FROM feedback
            WHERE server_id = \(serverID) AND created_at >= \(period.start) AND created_at < \(period.end)
            ORDER BY id DESC LIMIT \(Int64(limit))
            """
        ).map { row in
            FeedbackEntry(
                at: try row.decode("created_at"), helpful: try row.decode("helpful"), query: try row.decode("query"),
                url: try row.decode("url"), comment: try row.decode("comment"), participant: try row.decode("participant"))
        }
    }
}

/// How many participants used a tool, and how often.
public struct ToolAdoption: Sendable, Equatable {
    public let tool: String
    public let users: Int
    public let calls: Int
}
