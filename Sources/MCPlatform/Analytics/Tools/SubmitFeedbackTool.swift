import Foundation
import MCP

/// `submit_feedback`: the agent reports whether the documentation answered the user's question.
/// The feedback settles the search it is about (the session's latest search with the same
/// query, else its latest search) as resolved or unresolved, overriding the implicit signals.
struct SubmitFeedbackTool: MCPTool {
    static let maximumQuery = 500
    static let maximumURL = 2000
    static let maximumComment = 2000
    /// Feedback one participant may send per hour.
    static let hourlyLimit = RateLimiter.Limit(requests: 60, perSeconds: 3600)

    let definition = Tool(
        name: "submit_feedback",
        title: "Rate the documentation's answer",
        description: """
            Tell the documentation team whether search_docs/read_page answered the user's question. Call it once you know: \
            helpful=true when the docs solved it, false when they did not (then say what was missing in comment). It improves \
            the docs; it does not contact support (use create_support_ticket for that).
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "helpful": ["type": "boolean", "description": "Whether the documentation answered the question."],
                "query": [
                    "type": "string", "maxLength": .int(maximumQuery),
                    "description": "The search query this is about (default: the latest).",
                ],
                "url": ["type": "string", "maxLength": .int(maximumURL), "description": "The page that helped or fell short."],
                "comment": ["type": "string", "maxLength": .int(maximumComment), "description": "What was missing or wrong."],
            ],
            "required": ["helpful"],
            "additionalProperties": false,
        ],
        annotations: .init(
            title: "Rate the documentation's answer", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
            openWorldHint: false)
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let arguments = ToolArguments(arguments)
        guard case .bool(let helpful)? = arguments.values["helpful"] else { throw ToolError("'helpful' is required: true or false.") }
        let query = try arguments.optionalString("query", maximumLength: Self.maximumQuery).flatMap { $0.isEmpty ? nil : $0 }
        let url = try arguments.optionalString("url", maximumLength: Self.maximumURL).flatMap { $0.isEmpty ? nil : $0 }
        let comment = try arguments.optionalString("comment", maximumLength: Self.maximumComment).flatMap { $0.isEmpty ? nil : $0 }
        let platform = context.platform
        let participant = Participant(session: context.session)
        if let wait = try await platform.auth.rateLimiter.hit("feedback:\(context.server.id):\(participant.key)", limit: Self.hourlyLimit) {
            throw ToolError("Too much feedback from this user in the last hour. Try again in \(wait / 60 + 1) minutes.")
        }
        let search = try await FeedbackStore(database: platform.database, events: platform.events).record(
            .init(
                serverID: context.server.id, sessionID: context.session.id, participant: participant.key, helpful: helpful, query: query,
                url: url, comment: comment))
        let about = search.map { "the search \"\($0)\"" } ?? "this session (no earlier search to attach it to)"
        return CallTool.Result(
            content: [.text(text: "Thanks: recorded as \(helpful ? "helpful" : "not helpful") for \(about).", annotations: nil, _meta: nil)]
        )
    }
}
