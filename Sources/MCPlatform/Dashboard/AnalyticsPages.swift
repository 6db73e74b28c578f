import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A server's usage analytics in the dashboard: the overview (the pilot's numbers against the
/// previous period, daily charts, top queries, content gaps, pages, clients, feature adoption,
/// feedback) over the last 7, 30 or 90 days (`?days=`). The lists, the end users, the session
/// explorer and the CSV exports are in AnalyticsPages+Lists.swift and AnalyticsPages+CSV.swift.
/// Every member of the organization reads them; other organizations get 404.
struct AnalyticsPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }
    var report: AnalyticsReport { AnalyticsReport(database: platform.database) }

    /// The periods one can choose, in days; anything else is the first.
    static let periods = [7, 30, 90]
    /// Rows per page of the end users and sessions lists.
    static let pageSize = 50
    /// Rows of the overview's lists.
    static let overviewRows = 10

    /// A page: a method of the pages, given the request.
    typealias Handler = @Sendable (AnalyticsPages) -> (Request, AppRequestContext) async throws -> Response

    /// Every route, below `/orgs/{org}/servers/{server}/analytics`.
    static let routes: [(path: String, handler: Handler)] = [
        ("", Self.overview), ("/queries", Self.queries), ("/queries.csv", Self.queriesCSV), ("/gaps.csv", Self.gapsCSV),
        ("/users", Self.users), ("/users.csv", Self.usersCSV), ("/sessions", Self.sessions), ("/sessions/{id}", Self.session),
        ("/days.csv", Self.daysCSV),
    ]

    func addRoutes(to router: Router<AppRequestContext>) {
        for (path, handler) in Self.routes {
            router.get(RouterPath("/orgs/{org}/servers/{server}/analytics\(path)")) { request, context in
                try await handler(self)(request, context)
            }
        }
    }

    // MARK: Scope

    /// Who asks about which server, over which period; and the paths of the analytics pages.
    struct Scope {
        let visitor: Visitor
        let membership: Membership
        let server: TenantServer
        let period: AnalyticsPeriod

        var baseURL: String { "/orgs/\(membership.organization.slug)/servers/\(server.slug)/analytics" }

        /// The path of an analytics page, over this period unless told otherwise.
        func url(_ path: String = "", days: Int? = nil, _ query: [String: String] = [:]) -> String {
            var parameters = ["days=\(days ?? period.days)"]
            for (name, value) in query.sorted(by: { $0.key < $1.key }) { parameters.append("\(name)=\(FormEncoding.escape(value))") }
            return baseURL + path + "?" + parameters.joined(separator: "&")
        }

        /// "the last 7 days (2025-03-08 – 2025-03-14 UTC)".
        var periodText: String {
            "the last \(period.days) days (\(AnalyticsFormat.day(period.start)) – \(AnalyticsFormat.day(period.end.addingTimeInterval(-1))) UTC)"
        }
    }

    func scope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        return Scope(visitor: visitor, membership: membership, server: server, period: Self.period(request))
    }

    /// The period `?days=` names: 7, 30 or 90 days; anything else is 7.
    static func period(_ request: Request) -> AnalyticsPeriod {
        let days = request.uri.queryParameters.get("days").flatMap(Int.init).flatMap { periods.contains($0) ? $0 : nil }
        return .last(days ?? periods[0])
    }

    /// The period selector's links: `url` of each choice, the current one marked.
    static func periodLinks(current: AnalyticsPeriod, url: (Int) -> String) -> [[String: Any]] {
        periods.map { days in ["label": "\(days) days", "url": url(days), "current": days == current.days, "id": "period-\(days)"] }
    }

    /// Renders an analytics template in the app layout, with the period selector.
    func render(_ template: String, _ values: [String: Any], _ scope: Scope, path: String = "", title: String) -> Response {
        var values = values
        values["overviewURL"] = scope.url()
        values["periodText"] = scope.periodText
        values["periods"] = Self.periodLinks(current: scope.period) { scope.url(path, days: $0) }
        return dashboard.render(
            template, values, visitor: scope.visitor, membership: scope.membership, server: scope.server,
            title: "\(title) · \(scope.server.name)", section: "analytics")
    }

    /// The page number of `?page=` (from 1; at most 10,000).
    static func pageNumber(_ request: Request) -> Int {
        min(max(request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1, 1), 10_000)
    }

    // MARK: The overview

    func overview(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let (serverID, period) = (scope.server.id, scope.period)
        let current = try await report.overview(serverID: serverID, period: period)
        let previous = try await report.overview(serverID: serverID, period: period.previous)
        let days = try await report.days(serverID: serverID, period: period)
        let adoption = try await report.adoption(serverID: serverID, period: period)
        let values: [String: Any] = [
            "groups": MetricCard.overview(current, previous: previous, resolutionWindow: platform.configuration.analytics.resolutionWindow)
                .map(\.values),
            "charts": Self.charts(days).map(\.html),
            "topQueries": try await report.topQueries(serverID: serverID, period: period, limit: Self.overviewRows).map {
                query(scope, $0)
            },
            "gaps": try await report.contentGaps(serverID: serverID, period: period, limit: Self.overviewRows).map { query(scope, $0) },
            "pages": try await report.pages(serverID: serverID, period: period, limit: Self.overviewRows).map { page -> [String: Any] in
                ["url": page.url, "reads": AnalyticsFormat.number(page.reads), "shown": AnalyticsFormat.number(page.shown)]
            },
            "clients": try await report.clients(serverID: serverID, period: period).map { client -> [String: Any] in
                [
                    "name": client.name, "versions": client.versions.joined(separator: ", "),
                    "users": AnalyticsFormat.number(client.users), "sessions": AnalyticsFormat.number(client.sessions),
                ]
            },
            "adoption": adoption.map { tool -> [String: Any] in
                [
                    "tool": tool.tool, "users": AnalyticsFormat.number(tool.users), "calls": AnalyticsFormat.number(tool.calls),
                    "share": AnalyticsFormat.percent(
                        current.activeUsers == 0 ? nil : Double(tool.users) * 100 / Double(current.activeUsers)),
                ]
            },
            "feedback": try await report.feedback(serverID: serverID, period: period, limit: Self.overviewRows).map(Self.feedback),
            "walkthroughsURL": "/orgs/\(scope.membership.organization.slug)/servers/\(scope.server.slug)/walkthroughs",
            "ticketsURL": "/orgs/\(scope.membership.organization.slug)/tickets",
            "queriesURL": scope.url("/queries"), "usersURL": scope.url("/users"), "sessionsURL": scope.url("/sessions"),
            "daysCSV": scope.url("/days.csv"), "queriesCSV": scope.url("/queries.csv"), "gapsCSV": scope.url("/gaps.csv"),
        ]
        return render("analytics", values, scope, title: "Analytics")
    }

    /// Daily active users; searches against resolved ones; requests against failed ones.
    static func charts(_ days: [AnalyticsDay]) -> [SVGChart] {
        let labels = days.map { AnalyticsFormat.shortDay($0.day) }
        return [
            SVGChart(
                id: "chart-active-users", title: "Daily active users", style: .line, labels: labels,
                series: [.init(name: "Active users", values: days.map { Double($0.activeUsers) })]),
            SVGChart(
                id: "chart-searches", title: "Searches and resolved searches", style: .line, labels: labels,
                series: [
                    .init(name: "Searches", values: days.map { Double($0.searches) }),
                    .init(name: "Resolved", values: days.map { Double($0.resolvedSearches) }),
                ]),
            SVGChart(
                id: "chart-requests", title: "MCP requests and failed requests", style: .bar, labels: labels,
                series: [
                    .init(name: "Requests", values: days.map { Double($0.requests) }),
                    .init(name: "Failed", values: days.map { Double($0.failedRequests) }),
                ]),
        ]
    }

    /// A query group as the lists show it, with links to the sessions that asked it.
    func query(_ scope: Scope, _ query: QueryStatistics) -> [String: Any] {
        [
            "query": query.query, "key": query.key, "searches": AnalyticsFormat.number(query.searches),
            "users": AnalyticsFormat.number(query.users), "zeroResults": AnalyticsFormat.number(query.zeroResults),
            "resolved": AnalyticsFormat.number(query.resolved), "unresolved": AnalyticsFormat.number(query.unresolved),
            "lastSeen": AnalyticsFormat.dateTime(query.lastSeen),
            "askedBy": AnalyticsFormat.count(query.searches, "search", "searches") + " · "
                + AnalyticsFormat.count(query.users, "user", "users"),
            "sessions": query.exampleSessions.map { ["id": $0, "url": "\(scope.baseURL)/sessions/\($0)"] },
        ]
    }

    static func feedback(_ entry: FeedbackEntry) -> [String: Any] {
        var values: [String: Any] = [
            "at": AnalyticsFormat.dateTime(entry.at), "helpful": entry.helpful, "verdict": entry.helpful ? "helpful" : "not helpful",
            "participant": entry.participant,
        ]
        values["query"] = entry.query
        values["url"] = entry.url
        values["comment"] = entry.comment
        return values
    }
}
