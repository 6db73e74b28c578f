import Foundation
import Hummingbird

/// Admin API for analytics: a server's overview over the last N days with the previous period
/// for comparison and the daily series, and its top queries or content gaps. The same numbers
/// as the dashboard's analytics pages (definitions in docs/analytics.md).
struct AnalyticsAdminRoutes {
    let platform: Platform

    private var report: AnalyticsReport { AnalyticsReport(database: platform.database) }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("servers/{slug}/analytics") { request, context in try await overview(request, context) }
        group.get("servers/{slug}/analytics/queries") { request, context in try await queries(request, context) }
    }

    private func overview(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        let period = try Self.period(request)
        return try APIResponse.json(
            OverviewResponse(
                current: OverviewView(try await report.overview(serverID: server.id, period: period)),
                previous: OverviewView(try await report.overview(serverID: server.id, period: period.previous)),
                days: try await report.days(serverID: server.id, period: period).map(DayView.init)))
    }

    private func queries(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        let period = try Self.period(request)
        let limit = try Self.integer(request, "limit", default: 50, in: 1...500)
        let queries: [QueryStatistics]
        switch request.uri.queryParameters.get("kind") ?? "top" {
        case "top": queries = try await report.topQueries(serverID: server.id, period: period, limit: limit)
        case "gaps": queries = try await report.contentGaps(serverID: server.id, period: period, limit: limit)
        default: throw APIError.badRequest("kind must be top or gaps")
        }
        return try APIResponse.json(["queries": queries.map(QueryView.init)])
    }

    /// `?days=` (1 to 366, default 7): the last N days including today (UTC).
    static func period(_ request: Request) throws -> AnalyticsPeriod {
        AnalyticsPeriod.last(try integer(request, "days", default: 7, in: 1...366))
    }

    private static func integer(_ request: Request, _ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    // MARK: Views

    struct OverviewResponse: Encodable {
        let current: OverviewView
        let previous: OverviewView
        let days: [DayView]
    }

    /// ``AnalyticsOverview`` in the API's snake_case, every field present (null when unknown).
    struct OverviewView: Encodable {
        let start: Date
        let days: Int
        let activeUsers, dailyActiveUsers, weeklyActiveUsers, monthlyActiveUsers: Int
        let sessions: Int
        @NullWhenAbsent var medianSessionSeconds: Double?
        @NullWhenAbsent var p90SessionSeconds: Double?
        let searches, resolvedSearches, unresolvedSearches, pendingSearches: Int
        @NullWhenAbsent var resolutionRate: Double?
        let toolCalls, feedbackHelpful, feedbackNotHelpful, tickets, walkthroughStarts, walkthroughCompletions: Int
        let requests, failedRequests: Int64
        @NullWhenAbsent var errorRate: Double?
        @NullWhenAbsent var averageLatencyMs: Double?
        @NullWhenAbsent var p50Latency: String?
        @NullWhenAbsent var p95Latency: String?
        @NullWhenAbsent var uptimePercent: Double?

        enum CodingKeys: String, CodingKey {
            case start, days, sessions, searches, tickets, requests
            case activeUsers = "active_users", dailyActiveUsers = "dau", weeklyActiveUsers = "wau", monthlyActiveUsers = "mau"
            case medianSessionSeconds = "median_session_seconds", p90SessionSeconds = "p90_session_seconds"
            case resolvedSearches = "resolved_searches", unresolvedSearches = "unresolved_searches"
            case pendingSearches = "pending_searches", resolutionRate = "resolution_rate", toolCalls = "tool_calls"
            case feedbackHelpful = "feedback_helpful", feedbackNotHelpful = "feedback_not_helpful"
            case walkthroughStarts = "walkthrough_starts", walkthroughCompletions = "walkthrough_completions"
            case failedRequests = "failed_requests", errorRate = "error_rate", averageLatencyMs = "average_latency_ms"
            case p50Latency = "p50_latency", p95Latency = "p95_latency", uptimePercent = "uptime_percent"
        }

        init(_ overview: AnalyticsOverview) {
            start = overview.period.start
            days = overview.period.days
            (activeUsers, dailyActiveUsers, weeklyActiveUsers, monthlyActiveUsers) = (
                overview.activeUsers, overview.dailyActiveUsers, overview.weeklyActiveUsers, overview.monthlyActiveUsers
            )
            sessions = overview.sessions
            medianSessionSeconds = overview.medianSessionSeconds
            p90SessionSeconds = overview.p90SessionSeconds
            (searches, resolvedSearches, unresolvedSearches, pendingSearches) = (
                overview.searches, overview.resolvedSearches, overview.unresolvedSearches, overview.pendingSearches
            )
            resolutionRate = overview.resolutionRate
            (toolCalls, feedbackHelpful, feedbackNotHelpful) = (overview.toolCalls, overview.feedbackHelpful, overview.feedbackNotHelpful)
            (tickets, walkthroughStarts, walkthroughCompletions) = (
                overview.tickets, overview.walkthroughStarts, overview.walkthroughCompletions
            )
            (requests, failedRequests) = (overview.requests, overview.failedRequests)
            errorRate = overview.errorRate
            averageLatencyMs = overview.averageLatencyMilliseconds
            p50Latency = overview.p50Latency
            p95Latency = overview.p95Latency
            uptimePercent = overview.uptimePercent
        }
    }

    struct DayView: Encodable {
        let day: Date
        let activeUsers, sessions, searches, resolvedSearches, unresolvedSearches, toolCalls: Int
        let requests, failedRequests: Int64

        enum CodingKeys: String, CodingKey {
            case day, sessions, searches, requests
            case activeUsers = "active_users", resolvedSearches = "resolved_searches", unresolvedSearches = "unresolved_searches"
            case toolCalls = "tool_calls", failedRequests = "failed_requests"
        }

        init(_ day: AnalyticsDay) {
            self.day = day.day
            (activeUsers, sessions, searches) = (day.activeUsers, day.sessions, day.searches)
            (resolvedSearches, unresolvedSearches, toolCalls) = (day.resolvedSearches, day.unresolvedSearches, day.toolCalls)
            (requests, failedRequests) = (day.requests, day.failedRequests)
        }
    }

    struct QueryView: Encodable {
        let query, key: String
        let searches, users, zeroResults, resolved, unresolved: Int
        let lastSeen: Date

        enum CodingKeys: String, CodingKey {
            case query, key, searches, users, resolved, unresolved
            case zeroResults = "zero_results", lastSeen = "last_seen"
        }

        init(_ query: QueryStatistics) {
            (self.query, key, searches, users) = (query.query, query.key, query.searches, query.users)
            (zeroResults, resolved, unresolved, lastSeen) = (query.zeroResults, query.resolved, query.unresolved, query.lastSeen)
        }
    }
}
