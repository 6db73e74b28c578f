import Foundation
import Hummingbird

/// The operator's analytics: one row per server of every organization with the overview's key
/// numbers over the last 7, 30 or 90 days (`?days=`). Operators only; 404 for everyone else.
extension OperatorPages {
    func analytics(_ request: Request) async throws -> Response {
        let visitor = try await dashboard.requireOperator(request)
        let period = AnalyticsPages.period(request)
        let organizations = Dictionary(uniqueKeysWithValues: try await platform.tenancy.organizations().map { ($0.id, $0) })
        let report = AnalyticsReport(database: platform.database)
        var rows: [[String: Any]] = []
        for server in try await platform.tenancy.servers() {
            let overview = try await report.overview(serverID: server.id, period: period)
            rows.append([
                "organization": organizations[server.organizationID]?.name ?? "",
                "organizationSlug": organizations[server.organizationID]?.slug ?? "",
                "server": server.slug, "id": "server-\(server.slug)",
                "activeUsers": AnalyticsFormat.number(overview.activeUsers), "dau": AnalyticsFormat.number(overview.dailyActiveUsers),
                "sessions": AnalyticsFormat.number(overview.sessions),
                "medianSession": AnalyticsFormat.duration(overview.medianSessionSeconds),
                "searches": AnalyticsFormat.number(overview.searches), "resolutionRate": AnalyticsFormat.percent(overview.resolutionRate),
                "tickets": AnalyticsFormat.number(overview.tickets), "requests": AnalyticsFormat.number(overview.requests),
                "errorRate": AnalyticsFormat.percent(overview.errorRate), "p95": overview.p95Latency ?? AnalyticsFormat.none,
                "averageLatency": AnalyticsFormat.milliseconds(overview.averageLatencyMilliseconds),
                "uptime": AnalyticsFormat.percent(overview.uptimePercent),
            ])
        }
        let periods = AnalyticsPages.periodLinks(current: period) { "/operator/analytics?days=\($0)" }
        return dashboard.render(
            "operator_analytics", ["servers": rows, "periods": periods, "days": period.days], visitor: visitor, membership: nil,
            title: "Analytics · Operator console")
    }
}
