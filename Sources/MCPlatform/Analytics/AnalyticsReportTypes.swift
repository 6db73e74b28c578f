import Foundation

/// A span of whole UTC days that analytics are reported over: the last N days including today.
public struct AnalyticsPeriod: Sendable, Equatable {
    /// Midnight (UTC) of the first day.
    public let start: Date
    public let days: Int

    /// The day after the last day (exclusive end).
    public var end: Date { start.addingTimeInterval(Double(days) * 86400) }

    /// The period of the same length just before this one, for comparisons.
    public var previous: AnalyticsPeriod { AnalyticsPeriod(start: start.addingTimeInterval(-Double(days) * 86400), days: days) }

    public init(start: Date, days: Int) {
        self.start = start
        self.days = days
    }

    /// The last `days` days up to and including today (UTC).
    public static func last(_ days: Int, now: Date = Date()) -> AnalyticsPeriod {
        let today = floor(now.timeIntervalSince1970 / 86400) * 86400
        return AnalyticsPeriod(start: Date(timeIntervalSince1970: today - Double(days - 1) * 86400), days: days)
    }
}

/// The pilot's numbers for one server over one period (definitions in docs/analytics.md).
public struct AnalyticsOverview: Sendable, Equatable {
    public var period: AnalyticsPeriod
    /// Distinct end users (signed-in users, or anonymous MCP sessions) active in the period.
    public var activeUsers = 0
    /// Daily, weekly and monthly active users as of the period's last day.
    public var dailyActiveUsers = 0
    public var weeklyActiveUsers = 0
    public var monthlyActiveUsers = 0
    /// Usage sessions started in the period (a gap of more than 30 minutes starts a new one).
    public var sessions = 0
    public var medianSessionSeconds: Double?
    public var p90SessionSeconds: Double?
    /// `search_docs` calls.
    public var searches = 0
    public var resolvedSearches = 0
    public var unresolvedSearches = 0
    /// Searches still inside their resolution window.
    public var pendingSearches = 0
    public var toolCalls = 0
    public var feedbackHelpful = 0
    public var feedbackNotHelpful = 0
    public var tickets = 0
    public var walkthroughStarts = 0
    public var walkthroughCompletions = 0
    /// MCP HTTP requests, those that failed, and their latency.
    public var requests: Int64 = 0
    public var failedRequests: Int64 = 0
    public var averageLatencyMilliseconds: Double?
    public var p50Latency: String?
    public var p95Latency: String?
    /// Share of the synthetic uptime checks that succeeded, in percent; nil without checks.
    public var uptimePercent: Double?

    public init(period: AnalyticsPeriod) { self.period = period }

    /// Resolved among settled searches, in percent; nil when none is settled.
    public var resolutionRate: Double? {
        let settled = resolvedSearches + unresolvedSearches
        return settled == 0 ? nil : Double(resolvedSearches) * 100 / Double(settled)
    }

    /// Failed among all requests, in percent; nil without requests.
    public var errorRate: Double? { requests == 0 ? nil : Double(failedRequests) * 100 / Double(requests) }
}

/// One day of a server's activity, for the charts.
public struct AnalyticsDay: Sendable, Equatable {
    public let day: Date
    public var activeUsers = 0
    public var sessions = 0
    public var searches = 0
    public var resolvedSearches = 0
    public var unresolvedSearches = 0
    public var toolCalls = 0
    public var requests: Int64 = 0
    public var failedRequests: Int64 = 0

    public init(day: Date) { self.day = day }
}

/// A search text and how it fared, grouped by its normalized form (``QueryText``).
public struct QueryStatistics: Sendable, Equatable {
    /// The most recent wording of the query.
    public let query: String
    public let key: String
    public let searches: Int
    public let users: Int
    public let zeroResults: Int
    public let resolved: Int
    public let unresolved: Int
    public let lastSeen: Date
    /// A few analytics sessions that asked it (links to the session explorer).
    public let exampleSessions: [Int64]
}

/// A documentation page and how often agents read it or were shown it.
public struct PageStatistics: Sendable, Equatable {
    public let url: String
    public let reads: Int
    /// How often it was among the results of a search.
    public let shown: Int
}

/// An MCP client (its `clientInfo` name) and who used it.
public struct ClientStatistics: Sendable, Equatable {
    public let name: String
    public let versions: [String]
    public let users: Int
    public let sessions: Int
}

/// An end user's activity over the period.
public struct EndUserActivity: Sendable, Equatable {
    /// `user:<id>` or `session:<mcp session id>`.
    public let participant: String
    /// The signed-in user's email or name; nil for anonymous users.
    public let label: String?
    public let sessions: Int
    public let searches: Int
    public let toolCalls: Int
    public let firstSeen: Date
    public let lastSeen: Date
}

/// A usage session: a participant's requests with no gap over 30 minutes.
public struct AnalyticsSession: Sendable, Equatable {
    public let id: Int64
    public let participant: String
    public let label: String?
    public let clientName: String?
    public let clientVersion: String?
    public let startedAt: Date
    public let lastActivityAt: Date
    public let requests: Int
    public let toolCalls: Int
    public let searches: Int

    public var durationSeconds: Double { lastActivityAt.timeIntervalSince(startedAt) }
}

/// One MCP request in a session's timeline.
public struct SessionEvent: Sendable, Equatable {
    public let at: Date
    public let method: String
    public let tool: String?
    /// The query, page, walkthrough or ticket it was about.
    public let summary: String?
    public let resultCount: Int?
    public let outcome: MCPEvent.Outcome
    public let latencyMilliseconds: Double
    /// For searches: resolved, unresolved or nil (not settled yet), and why.
    public let resolution: String?
    public let resolutionReason: String?
}

/// Explicit feedback an agent sent with `submit_feedback`.
public struct FeedbackEntry: Sendable, Equatable {
    public let at: Date
    public let helpful: Bool
    public let query: String?
    public let url: String?
    public let comment: String?
    public let participant: String
}
