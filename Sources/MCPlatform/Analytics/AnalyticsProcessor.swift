import Foundation
import Logging

/// Turns the raw events MCP servers record into what analytics report: usage sessions, settled
/// searches (resolved or not), daily rollups; and deletes raw events past their retention.
///
/// Every instance runs one, but only the holder of a lease in the database works at a time, so
/// events from all instances are processed once and in order.
public struct AnalyticsProcessor: Sendable {
    let database: any Database
    let settings: AnalyticsSettings
    /// This instance's name on the lease.
    let holder: String

    public init(database: any Database, settings: AnalyticsSettings, holder: String = UUID().uuidString) {
        self.database = database
        self.settings = settings
        self.holder = holder
    }

    /// One round of processing: new events into sessions, due searches settled, and with
    /// `maintenance`, finished days rolled up and expired raw data deleted. Returns false when
    /// another instance holds the lease.
    @discardableResult
    public func processOnce(now: Date = Date(), maintenance: Bool = true) async throws -> Bool {
        guard try await acquireLease(now: now) else { return false }
        while try await assignSessions() == Self.batchSize {}
        while try await settleSearches(now: now) == Self.batchSize {}
        if maintenance {
            try await rollUpDays(now: now)
            try await expireRawData(now: now)
        }
        return true
    }

    static let batchSize = 2000
    /// Most of a participant's later searches and reads a search is settled from (a busy
    /// participant's thousands would make settling quadratic); a ticket later in the window
    /// still counts.
    static let laterEventsConsidered = 100

    private func acquireLease(now: Date) async throws -> Bool {
        let expiry = now.addingTimeInterval(60)
        return try await database.first(
            """
            UPDATE analytics_leases SET holder = \(holder), expires_at = \(expiry)
            WHERE name = 'processor' AND (expires_at < \(now) OR holder = \(holder)) RETURNING name
            """) != nil
    }

    // MARK: Sessions

    private struct PendingEvent {
        let id: Int64
        let serverID: Int64
        let participant: String
        let endUserID: Int64?
        let sessionID: String
        let tool: String?
        let at: Date
    }

    /// The open usage session of a participant, as it is being extended.
    private struct OpenSession {
        var id: Int64?
        /// The MCP session of its first event (its client's name and version).
        var mcpSessionID: String?
        /// Its first event (the client's name and version of a modern request).
        var firstEventID: Int64?
        let startedAt: Date
        var lastActivityAt: Date
        var eventIDs: [Int64] = []
        var toolCalls = 0
        var searches = 0
        /// The tools called in the session.
        var tools: Set<String> = []

        /// `,read_page,search_docs,`: what `analytics_sessions.tools` holds, so that
        /// `LIKE '%,<tool>,%'` finds the sessions that used a tool.
        var toolList: String { tools.isEmpty ? "" : "," + tools.sorted().joined(separator: ",") + "," }
    }

    /// Attaches the oldest unprocessed events to their participant's usage session, starting a
    /// new session after a gap of more than ``AnalyticsSettings/sessionGap``. Returns how many
    /// events it processed.
    func assignSessions() async throws -> Int {
        let events = try await database.query(
            """
            SELECT id, server_id, participant, end_user_id, session_id, tool, created_at FROM mcp_events
            WHERE analytics_session_id IS NULL ORDER BY id LIMIT \(Int64(Self.batchSize))
            """
        ).map { row in
            PendingEvent(
                id: try row.decode("id"), serverID: try row.decode("server_id"), participant: try row.decode("participant"),
                endUserID: try row.decode("end_user_id"), sessionID: try row.decode("session_id"), tool: try row.decode("tool"),
                at: try row.decode("created_at"))
        }
        guard !events.isEmpty else { return 0 }
        let groups = Dictionary(grouping: events) { "\($0.serverID)\u{0}\($0.participant)" }
        try await database.transaction { database in
            for group in groups.values {
                try await assign(group.sorted { ($0.at, $0.id) < ($1.at, $1.id) }, on: database)
            }
        }
        return events.count
    }

    private func assign(_ events: [PendingEvent], on database: any SQLExecutor) async throws {
        let first = events[0]
        var sessions: [OpenSession] = []
        if let row = try await database.first(
            """
            SELECT id, started_at, last_activity_at, tools FROM analytics_sessions
            WHERE server_id = \(first.serverID) AND participant = \(first.participant) ORDER BY last_activity_at DESC LIMIT 1
            """)
        {
            let tools: String = try row.decode("tools")
            sessions.append(
                OpenSession(
                    id: try row.decode("id"), startedAt: try row.decode("started_at"), lastActivityAt: try row.decode("last_activity_at"),
                    tools: Set(tools.split(separator: ",").map(String.init))))
        }
        for event in events {
            if var open = sessions.last, event.at.timeIntervalSince(open.lastActivityAt) <= AnalyticsSettings.sessionGap {
                open.lastActivityAt = max(open.lastActivityAt, event.at)
                open.eventIDs.append(event.id)
                if let tool = event.tool {
                    open.toolCalls += 1
                    open.tools.insert(tool)
                }
                if event.tool == "search_docs" { open.searches += 1 }
                sessions[sessions.count - 1] = open
            } else {
                sessions.append(
                    OpenSession(
                        mcpSessionID: event.sessionID, firstEventID: event.id, startedAt: event.at, lastActivityAt: event.at,
                        eventIDs: [event.id],
                        toolCalls: event.tool == nil ? 0 : 1,
                        searches: event.tool == "search_docs" ? 1 : 0, tools: Set([event.tool].compactMap { $0 })))
            }
        }
        for session in sessions where !session.eventIDs.isEmpty {
            let id: Int64
            if let existing = session.id {
                id = existing
                try await database.query(
                    """
                    UPDATE analytics_sessions SET last_activity_at = \(session.lastActivityAt),
                        requests = requests + \(Int64(session.eventIDs.count)), tool_calls = tool_calls + \(Int64(session.toolCalls)),
                        searches = searches + \(Int64(session.searches)), tools = \(session.toolList)
                    WHERE id = \(existing)
                    """)
            } else {
                var client = try await database.first(
                    "SELECT client_name, client_version FROM mcp_sessions WHERE id = \(session.mcpSessionID ?? first.sessionID)")
                if client == nil, let event = session.firstEventID {
                    client = try await database.first("SELECT client_name, client_version FROM mcp_events WHERE id = \(event)")
                }
                id = try await database.one(
                    """
                    INSERT INTO analytics_sessions (server_id, participant, end_user_id, client_name, client_version, started_at,
                        last_activity_at, requests, tool_calls, searches, tools)
                    VALUES (\(first.serverID), \(first.participant), \(first.endUserID), \(try client?.decode("client_name", as: String?.self)),
                        \(try client?.decode("client_version", as: String?.self)), \(session.startedAt), \(session.lastActivityAt),
                        \(Int64(session.eventIDs.count)), \(Int64(session.toolCalls)), \(Int64(session.searches)), \(session.toolList))
                    RETURNING id
                    """
                ).decode("id")
            }
            for start in stride(from: 0, to: session.eventIDs.count, by: 500) {
                let ids = SQLStatement.joined(session.eventIDs[start..<min(start + 500, session.eventIDs.count)].map { "\($0)" })
                try await database.query("UPDATE mcp_events SET analytics_session_id = \(id) WHERE id IN (" + ids + ")")
            }
        }
    }

    // MARK: Searches

    private struct LaterEvent {
        let method: String
        let tool: String?
        let pages: [String]
    }

    /// Settles the searches whose resolution window has passed (see docs/analytics.md).
    /// Returns how many it settled.
    func settleSearches(now: Date) async throws -> Int {
        let due = now.addingTimeInterval(-settings.resolutionWindow)
        let searches = try await database.query(
            """
            SELECT id, analytics_session_id, outcome, result_count, pages, created_at FROM mcp_events
            WHERE tool = 'search_docs' AND resolution IS NULL AND created_at <= \(due) AND analytics_session_id IS NOT NULL
            ORDER BY created_at LIMIT \(Int64(Self.batchSize))
            """)
        for search in searches {
            let id: Int64 = try search.decode("id")
            let at: Date = try search.decode("created_at")
            let session: Int64 = try search.decode("analytics_session_id")
            let windowEnd = at.addingTimeInterval(settings.resolutionWindow)
            let later = try await database.query(
                """
                SELECT method, tool, pages FROM mcp_events
                WHERE analytics_session_id = \(session) AND id > \(id) AND created_at <= \(windowEnd)
                    AND (tool IN ('search_docs', 'read_page', 'create_support_ticket') OR method = 'resources/read')
                ORDER BY id LIMIT \(Int64(Self.laterEventsConsidered))
                """
            ).map { row in
                LaterEvent(method: try row.decode("method"), tool: try row.decode("tool"), pages: Self.pages(try row.decode("pages")))
            }
            var (resolution, reason) = Self.settle(
                outcome: try search.decode("outcome"), resultCount: try search.decode("result_count"),
                results: Self.pages(try search.decode("pages")), later: later)
            if later.count == Self.laterEventsConsidered, reason == "read" || reason == "not_read",
                try await database.first(
                    """
                    SELECT id FROM mcp_events WHERE analytics_session_id = \(session) AND id > \(id) AND created_at <= \(windowEnd)
                        AND tool = 'create_support_ticket' LIMIT 1
                    """) != nil
            {
                (resolution, reason) = ("unresolved", "ticket")  // beyond the events considered
            }
            try await database.query(
                "UPDATE mcp_events SET resolution = \(resolution), resolution_reason = \(reason) WHERE id = \(id) AND resolution IS NULL")
        }
        return searches.count
    }

    /// Whether a search was resolved, and why, from what its participant did next within the window.
    private static func settle(outcome: MCPEvent.Outcome, resultCount: Int64?, results: [String], later: [LaterEvent]) -> (
        String, String
    ) {
        guard outcome == .ok else { return ("unresolved", "failed") }
        guard let resultCount, resultCount > 0 else { return ("unresolved", "no_results") }
        let shown = Set(results.map(withoutFragment))
        var read = false
        var searchedAgain = false
        for event in later {
            if event.tool == "create_support_ticket" { return ("unresolved", "ticket") }
            if event.tool == "search_docs" {
                if !read { return ("unresolved", "requery") }
                searchedAgain = true
            }
            if !searchedAgain, event.tool == "read_page" || event.method == "resources/read",
                event.pages.contains(where: { shown.contains(withoutFragment($0)) })
            {
                read = true
            }
        }
        return read ? ("resolved", "read") : ("unresolved", "not_read")
    }

    static func pages(_ column: String?) -> [String] {
        column.map { $0.split(separator: "\n").map(String.init) } ?? []
    }

    private static func withoutFragment(_ url: String) -> Substring {
        url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(url)
    }

    // MARK: Rollups and retention

    /// Rolls up every finished day of every server that has no rollup yet, once its searches
    /// are settled (the resolution window and a minute for buffered events after midnight).
    func rollUpDays(now: Date) async throws {
        let settled = now.addingTimeInterval(-settings.resolutionWindow - 60)
        let lastDay = AnalyticsDays.day(of: settled) - 1
        let servers = try await database.query(
            """
            SELECT s.id, s.created_at, (SELECT max(day) FROM analytics_days d WHERE d.server_id = s.id) AS rolled
            FROM mcp_servers s
            """)
        for server in servers {
            let serverID: Int64 = try server.decode("id")
            let rolled: Int64? = try server.decode("rolled")
            let created: Date = try server.decode("created_at")
            var day = rolled.map { $0 + 1 } ?? AnalyticsDays.day(of: created)
            while day <= lastDay {
                // Both rollups of a day or neither: a day counts as rolled up once its `analytics_days` row exists.
                try await database.transaction { [day] database in
                    try await AnalyticsDayKeys(database: database).rollUp(serverID: serverID, day: day)
                    try await AnalyticsDays(database: database).rollUp(serverID: serverID, day: day)
                }
                day += 1
            }
        }
    }

    /// Deletes raw events and per-minute request counts older than the retention, if their day
    /// is rolled up.
    func expireRawData(now: Date) async throws {
        let cutoffDay = AnalyticsDays.day(of: now) - Int64(settings.retentionDays)
        for server in try await database.query("SELECT server_id, max(day) AS rolled FROM analytics_days GROUP BY server_id") {
            let serverID: Int64 = try server.decode("server_id")
            let before = min(cutoffDay, try server.decode("rolled", as: Int64.self) + 1)
            let cutoff = Date(timeIntervalSince1970: Double(before) * 86400)
            try await database.query("DELETE FROM mcp_events WHERE server_id = \(serverID) AND created_at < \(cutoff)")
            try await database.query("DELETE FROM feedback WHERE server_id = \(serverID) AND created_at < \(cutoff)")
            try await database.query("DELETE FROM request_minutes WHERE server_id = \(serverID) AND minute < \(before * 1440)")
        }
    }
}
