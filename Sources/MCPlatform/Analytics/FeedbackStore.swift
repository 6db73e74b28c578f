import Foundation

/// Explicit feedback from `submit_feedback`, and the search it settles.
struct FeedbackStore: Sendable {
    let database: any Database
    let events: MCPEventLog

    /// What an agent reported.
    struct Submission: Sendable {
        let serverID: Int64
        let sessionID: String
        let participant: String
        let helpful: Bool
        let query: String?
        let url: String?
        let comment: String?
    }

    /// Stores the feedback and settles its search: the session's latest search with the same
    /// normalized query, else its latest search. Returns that search's query text, if any.
    func record(_ submission: Submission, now: Date = Date()) async throws -> String? {
        try? await events.flush(to: database)
        let keyFilter: SQLStatement = submission.query.map { "AND query_key = \(QueryText.key($0))" } ?? ""
        let search = try await database.first(
            """
            SELECT id, summary FROM mcp_events WHERE server_id = \(submission.serverID) AND session_id = \(submission.sessionID)
                AND tool = 'search_docs' \(keyFilter) ORDER BY id DESC LIMIT 1
            """)
        let searchID: Int64? = try search?.decode("id")
        try await database.transaction { database in
            try await database.query(
                """
                INSERT INTO feedback (server_id, session_id, participant, search_event_id, helpful, query, url, comment, created_at)
                VALUES (\(submission.serverID), \(submission.sessionID), \(submission.participant), \(searchID), \(submission.helpful),
                    \(submission.query ?? (try search?.decode("summary", as: String?.self))), \(submission.url), \(submission.comment), \(now))
                """)
            if let searchID {
                try await database.query(
                    """
                    UPDATE mcp_events SET resolution = \(submission.helpful ? "resolved" : "unresolved"), resolution_reason = 'feedback'
                    WHERE id = \(searchID)
                    """)
            }
        }
        return try search?.decode("summary")
    }
}
