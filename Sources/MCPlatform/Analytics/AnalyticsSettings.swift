import Foundation

/// How analytics process and keep what MCP servers record (see docs/analytics.md).
public struct AnalyticsSettings: Sendable, Equatable {
    /// How long after a search its reading, re-query or ticket decides whether it was resolved.
    public var resolutionWindow: TimeInterval = 600
    /// Raw events (and per-minute request counts) are deleted after this many days, once their
    /// day is rolled up; usage sessions and daily rollups are kept.
    public var retentionDays = 90
    /// How often the processor turns new events into sessions, settles searches and rolls up days.
    public var processingInterval: Duration = .seconds(5)
    /// Whether MCP requests are recorded at all (off: no analytics, no ticket timelines).
    public var capture = true

    public init() {}

    /// A pause of more than this between a participant's requests starts a new usage session.
    public static let sessionGap: TimeInterval = 30 * 60
}
