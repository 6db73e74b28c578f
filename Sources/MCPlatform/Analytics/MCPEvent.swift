import Foundation

/// One JSON-RPC request an MCP server answered, as analytics records it: who asked (the
/// participant and their session), what (method, tool, the query or page), what came back
/// (result count, pages) and how it went (outcome, latency).
public struct MCPEvent: Sendable, Equatable {
    /// How a request ended.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Answered.
        case ok
        /// A tool answered with `isError` (bad arguments, unknown page…): the tool worked.
        case toolError = "tool_error"
        /// The request failed: a JSON-RPC error or an unexpected failure.
        case error
    }

    public let serverID: Int64
    /// The MCP session (`Mcp-Session-Id`).
    public let sessionID: String
    /// `user:<id>` or `session:<id>` (see ``Participant``).
    public let participant: String
    public let endUserID: Int64?
    public let method: String
    public let tool: String?
    /// The query, page, walkthrough or ticket the request was about, at most 200 characters.
    public let summary: String?
    /// For searches: the normalized query (``QueryText/key(_:)``) that groups wordings.
    public let queryKey: String?
    /// How many results a listing tool returned.
    public let resultCount: Int?
    /// The pages returned (search results) or read, at most ten.
    public let pages: [String]
    public let outcome: Outcome
    /// The JSON-RPC error code, for failed requests.
    public let errorCode: Int?
    public let latencyMicroseconds: Int64
    public let at: Date
    /// The client's name and version from the request's `_meta` clientInfo, on modern
    /// (stateless) requests only: legacy sessions keep them in `mcp_sessions`.
    public let clientName: String?
    public let clientVersion: String?
}
