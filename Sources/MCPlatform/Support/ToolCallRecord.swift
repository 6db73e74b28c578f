import Foundation

/// One MCP tool call as a ticket's session timeline shows it: which tool, with what (the search
/// query, the page, the walkthrough), and whether it failed.
public struct ToolCallRecord: Sendable, Equatable, Codable {
    public let tool: String
    public let summary: String?
    public let isError: Bool
    public let latencyMilliseconds: Int
    public let at: Date

    enum CodingKeys: String, CodingKey {
        case tool, summary, isError = "is_error", latencyMilliseconds = "latency_ms", at
    }
}
