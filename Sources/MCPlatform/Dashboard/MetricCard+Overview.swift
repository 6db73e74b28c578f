import Foundation

extension MetricCard {
    /// A titled group of cards on the overview.
    struct Group: Sendable {
        let title: String
        let cards: [MetricCard]

        var values: [String: Any] { ["title": title, "cards": cards.map(\.values)] }
    }

    /// The overview's cards: `current` against `previous` (the period before), with the
    /// definitions of docs/analytics.md; `resolutionWindow` is the configured resolution window.
    static func overview(_ current: AnalyticsOverview, previous: AnalyticsOverview, resolutionWindow: TimeInterval) -> [Group] {
        func count(
            _ id: String, _ label: String, _ value: (AnalyticsOverview) -> Int, better: Better = .higher, definition: String
        ) -> MetricCard {
            MetricCard(
                id, label, value: AnalyticsFormat.number(value(current)), current: Double(value(current)),
                previous: Double(value(previous)), previousText: AnalyticsFormat.number(value(previous)), better: better,
                definition: definition)
        }
        func duration(_ id: String, _ label: String, _ value: (AnalyticsOverview) -> Double?, definition: String) -> MetricCard {
            MetricCard(
                id, label, value: AnalyticsFormat.duration(value(current)), current: value(current), previous: value(previous),
                previousText: AnalyticsFormat.duration(value(previous)), definition: definition)
        }
        func rate(_ id: String, _ label: String, _ value: (AnalyticsOverview) -> Double?, better: Better, definition: String)
            -> MetricCard
        {
            MetricCard(
                id, label, value: AnalyticsFormat.percent(value(current)), current: value(current), previous: value(previous),
                previousText: AnalyticsFormat.percent(value(previous)), better: better, change: .points, definition: definition)
        }
        func latency(_ id: String, _ label: String, _ value: (AnalyticsOverview) -> String?, definition: String) -> MetricCard {
            MetricCard(
                id, label, value: value(current) ?? AnalyticsFormat.none, current: latencyBound(value(current)),
                previous: latencyBound(value(previous)), previousText: value(previous) ?? AnalyticsFormat.none, better: .lower,
                definition: definition)
        }
        let window = AnalyticsFormat.duration(resolutionWindow)
        let feedback = { (overview: AnalyticsOverview) in overview.feedbackHelpful + overview.feedbackNotHelpful }
        return [
            Group(
                title: "End users and sessions",
                cards: [
                    count(
                        "active-users", "Active users", \.activeUsers,
                        definition:
                            "Distinct end users who called a tool in the period: signed-in users on OAuth servers, anonymous MCP sessions otherwise."
                    ),
                    count("dau", "DAU", \.dailyActiveUsers, definition: "Distinct end users active on the period’s last day."),
                    count(
                        "wau", "WAU", \.weeklyActiveUsers,
                        definition: "Distinct end users active in the 7 days ending on the period’s last day."),
                    count(
                        "mau", "MAU", \.monthlyActiveUsers,
                        definition: "Distinct end users active in the 30 days ending on the period’s last day."),
                    count(
                        "sessions", "Sessions", \.sessions,
                        definition:
                            "Usage sessions started in the period: an end user’s requests with no gap over 30 minutes, with a tool call."),
                    duration(
                        "median-session", "Median session", \.medianSessionSeconds,
                        definition: "Median duration of the period’s sessions (last request − first request)."),
                    duration(
                        "p90-session", "p90 session", \.p90SessionSeconds,
                        definition: "90 % of the period’s sessions were at most this long."),
                ]),
            Group(
                title: "Answer quality",
                cards: [
                    count("searches", "Searches", \.searches, definition: "search_docs calls."),
                    rate(
                        "resolution-rate", "Resolution rate", \.resolutionRate, better: .higher,
                        definition:
                            "Resolved ÷ settled searches. Resolved: helpful feedback, or without feedback a returned page read within \(window), before the next search, and no ticket within \(window). \(current.pendingSearches) still pending."
                    ),
                    MetricCard(
                        "feedback", "Feedback", value: AnalyticsFormat.number(feedback(current)), current: Double(feedback(current)),
                        previous: Double(feedback(previous)), previousText: AnalyticsFormat.number(feedback(previous)), better: .neither,
                        definition:
                            "submit_feedback reports from agents: \(AnalyticsFormat.number(current.feedbackHelpful)) helpful, \(AnalyticsFormat.number(current.feedbackNotHelpful)) not helpful."
                    ),
                    count(
                        "tickets", "Support tickets", \.tickets, better: .lower,
                        definition:
                            "Tickets created on this server in the period; the change against the previous period is the ticket reduction."),
                ]),
            Group(
                title: "Reliability",
                cards: [
                    rate(
                        "error-rate", "Error rate", \.errorRate, better: .lower,
                        definition:
                            "Failed ÷ all MCP HTTP requests (\(AnalyticsFormat.number(current.failedRequests)) of \(AnalyticsFormat.number(current.requests))): 5xx, refusals other than 401/404/405, JSON-RPC internal errors."
                    ),
                    latency(
                        "p50-latency", "p50 latency", \.p50Latency,
                        definition: "Half of the MCP HTTP requests took at most this (histogram bucket bound)."),
                    latency(
                        "p95-latency", "p95 latency", \.p95Latency,
                        definition: "95 % of the MCP HTTP requests took at most this (histogram bucket bound)."),
                    MetricCard(
                        "average-latency", "Average latency", value: AnalyticsFormat.milliseconds(current.averageLatencyMilliseconds),
                        current: current.averageLatencyMilliseconds, previous: previous.averageLatencyMilliseconds,
                        previousText: AnalyticsFormat.milliseconds(previous.averageLatencyMilliseconds), better: .lower,
                        definition: "Mean server time per MCP HTTP request (exact)."),
                    rate(
                        "uptime", "Uptime", \.uptimePercent, better: .higher,
                        definition: current.uptimePercent == nil
                            ? "Share of successful synthetic checks of the MCP endpoint; no checks in this period."
                            : "Share of successful synthetic checks of the MCP endpoint."),
                ]),
            Group(
                title: "Features",
                cards: [
                    count("tool-calls", "Tool calls", \.toolCalls, definition: "MCP tools/call requests, every tool."),
                    count(
                        "walkthrough-starts", "Walkthrough starts", \.walkthroughStarts,
                        definition: "Walkthroughs started by agents in the period."),
                    count(
                        "walkthrough-completions", "Walkthrough completions", \.walkthroughCompletions,
                        definition: "Walkthroughs completed in the period."),
                ]),
        ]
    }

    /// The bucket bound of a latency percentile ("≤ 50 ms" is 50; "> 5 s" is above every bound).
    static func latencyBound(_ text: String?) -> Double? {
        guard let text else { return nil }
        if text.hasPrefix(">") { return (RequestStatistics.bucketBounds.last ?? 0) * 2 }
        return Double(text.filter { $0.isNumber || $0 == "." })
    }
}
