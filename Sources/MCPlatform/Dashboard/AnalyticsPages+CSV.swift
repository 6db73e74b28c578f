import Foundation
import Hummingbird
import NIOCore

/// The analytics exports, as CSV files over the page's period: the daily series, the query
/// groups, the content gaps and the end users.
extension AnalyticsPages {
    /// Rows of an export at most.
    static let exportRows = 10_000

    func daysCSV(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        var csv = CSVWriter(header: [
            "day", "active_users", "sessions", "searches", "resolved_searches", "unresolved_searches", "tool_calls", "requests",
            "failed_requests",
        ])
        for day in try await report.days(serverID: scope.server.id, period: scope.period) {
            csv.append([
                .text(AnalyticsFormat.day(day.day)), .int(day.activeUsers), .int(day.sessions), .int(day.searches),
                .int(day.resolvedSearches),
                .int(day.unresolvedSearches), .int(day.toolCalls), .int64(day.requests), .int64(day.failedRequests),
            ])
        }
        return Self.download(csv, named: "days", scope)
    }

    func queriesCSV(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let rows = try await report.topQueries(serverID: scope.server.id, period: scope.period, limit: Self.exportRows)
        return Self.download(Self.queryCSV(rows), named: "queries", scope)
    }

    func gapsCSV(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let rows = try await report.contentGaps(serverID: scope.server.id, period: scope.period, limit: Self.exportRows)
        return Self.download(Self.queryCSV(rows), named: "content-gaps", scope)
    }

    static func queryCSV(_ rows: [QueryStatistics]) -> CSVWriter {
        var csv = CSVWriter(header: [
            "query", "normalized", "searches", "users", "zero_results", "resolved", "unresolved", "last_seen_utc", "example_sessions",
        ])
        for row in rows {
            csv.append([
                .text(row.query), .text(row.key), .int(row.searches), .int(row.users), .int(row.zeroResults), .int(row.resolved),
                .int(row.unresolved), .text(AnalyticsFormat.dateTime(row.lastSeen)),
                .text(row.exampleSessions.map(String.init).joined(separator: " ")),
            ])
        }
        return csv
    }

    func usersCSV(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        var csv = CSVWriter(header: ["participant", "name", "sessions", "searches", "tool_calls", "first_seen_utc", "last_seen_utc"])
        for user in try await report.endUsers(serverID: scope.server.id, period: scope.period, limit: Self.exportRows, offset: 0) {
            csv.append([
                .text(user.participant), .text(user.label ?? ""), .int(user.sessions), .int(user.searches), .int(user.toolCalls),
                .text(AnalyticsFormat.dateTime(user.firstSeen)), .text(AnalyticsFormat.dateTime(user.lastSeen)),
            ])
        }
        return Self.download(csv, named: "users", scope)
    }

    /// `csv` as a download named `<server>-<name>-<days>d.csv`.
    static func download(_ csv: CSVWriter, named name: String, _ scope: Scope) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(scope.server.slug)-\(name)-\(scope.period.days)d.csv\"",
                .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv.text)))
    }
}
