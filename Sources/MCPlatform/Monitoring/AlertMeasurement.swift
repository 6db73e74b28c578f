import Foundation

/// What a rule measures on one server at one time, and whether that crosses its threshold
/// (docs/operations.md#monitoring-and-alerts defines each kind).
struct AlertMeasurement: Sendable, Equatable {
    /// The measured value: percent, milliseconds, 1 for a failed ingestion, failed checks in a row.
    let value: Double
    let exceeded: Bool
    /// The measurement in words, for notifications and pages.
    let message: String

    /// Measures `rule` on `serverID` at `now`.
    static func measure(_ rule: AlertRule, serverID: Int64, platform: Platform, now: Date) async throws -> AlertMeasurement {
        let windowStart = Self.windowStart(minutes: rule.windowMinutes, now: now)
        let window = "the last \(rule.windowMinutes) min"
        switch rule.kind {
        case .errorRate, .p95Latency:
            let summary = try await platform.requestStatistics.summary(serverID: serverID, since: windowStart, database: platform.database)
            guard summary.requests >= Int64(rule.minRequests) else {
                return AlertMeasurement(
                    value: 0, exceeded: false,
                    message: "\(summary.requests) requests in \(window): fewer than the \(rule.minRequests) needed to judge")
            }
            if rule.kind == .errorRate {
                return AlertMeasurement(
                    value: summary.errorRate, exceeded: summary.errorRate > rule.threshold,
                    message:
                        "Error rate \(String(format: "%.1f", summary.errorRate)) % over \(window) (\(summary.errors) of \(summary.requests) requests failed); threshold \(AlertRule.number(rule.threshold)) %"
                )
            }
            let bound = summary.percentileBound(0.95) ?? 0
            let lastBound = RequestStatistics.bucketBounds.last ?? 0
            return AlertMeasurement(
                value: bound.isFinite ? bound : lastBound, exceeded: bound > rule.threshold,
                message:
                    "p95 latency \(bound.isFinite ? "≤ \(Int(bound))" : "> \(Int(lastBound))") ms over \(window) (\(summary.requests) requests); threshold \(AlertRule.number(rule.threshold)) ms"
            )
        case .ingestionFailure:
            guard
                let job = try await platform.database.first(
                    """
                    SELECT id, status, error FROM ingest_jobs
                    WHERE server_id = \(serverID) AND status IN ('succeeded', 'failed') AND finished_at >= \(windowStart)
                    ORDER BY finished_at DESC, id DESC LIMIT 1
                    """)
            else {
                return AlertMeasurement(value: 0, exceeded: false, message: "No ingestion job finished in \(window)")
            }
            let id: Int64 = try job.decode("id")
            guard try job.decode("status", as: String.self) == "failed" else {
                return AlertMeasurement(value: 0, exceeded: false, message: "Ingestion job #\(id) succeeded")
            }
            let error = (try job.decode("error", as: String?.self)).map { ": \($0.prefix(300))" } ?? ""
            return AlertMeasurement(value: 1, exceeded: true, message: "Ingestion job #\(id) failed\(error)")
        case .serverDown:
            let needed = max(1, Int(rule.threshold))
            let latest = try await UptimeStore(database: platform.database).latest(serverID: serverID, limit: needed)
            let failures = latest.prefix { !$0 }.count
            return AlertMeasurement(
                value: Double(failures), exceeded: latest.count == needed && failures == needed,
                message: failures == 0 ? "The last uptime check succeeded" : "The last \(failures) uptime checks failed in a row")
        }
    }

    /// The start of the window of the last `minutes` minutes, the current one included.
    static func windowStart(minutes: Int, now: Date) -> Date {
        Date(timeIntervalSince1970: Double((UptimeStore.minute(of: now) - Int64(minutes) + 1) * 60))
    }
}
