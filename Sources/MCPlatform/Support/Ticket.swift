import Foundation

/// A support request raised by an end user's agent, answered by the customer's team in the
/// dashboard. Numbered per organization (`#42`).
public struct Ticket: Sendable, Equatable {
    public let id: Int64
    public let organizationID: Int64
    public let serverID: Int64
    public let number: Int
    public let title: String
    public let description: String
    /// What the agent added: versions, error output, what was tried.
    public let context: String?
    /// How bad the reporter says it is.
    public let severity: Priority
    /// How urgent the team rates it (starts as the severity).
    public let priority: Priority
    public let status: Status
    /// Who may read it through MCP: the end user (`user:<id>`) or the anonymous session.
    public let participant: String
    public let endUserID: Int64?
    public let sessionID: String?
    /// Where replies are emailed (the end user's, or one they gave).
    public let email: String?
    public let clientName: String?
    public let assigneeID: Int64?
    /// The session's tool calls before the ticket (searches, pages read), oldest first.
    public let activity: [ToolCallRecord]
    public let createdAt: Date
    public let updatedAt: Date

    /// Where a ticket is in its life.
    public enum Status: String, Sendable, CaseIterable, Codable {
        case pending
        case inProgress = "in_progress"
        case resolved, closed

        public var label: String {
            switch self {
            case .pending: "Pending"
            case .inProgress: "In progress"
            case .resolved: "Resolved"
            case .closed: "Closed"
            }
        }
    }

    /// Severity (reporter) and priority (team).
    public enum Priority: String, Sendable, CaseIterable, Codable {
        case low, normal, high, urgent
    }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        organizationID = try row.decode("organization_id")
        serverID = try row.decode("server_id")
        number = Int(try row.decode("number", as: Int64.self))
        title = try row.decode("title")
        description = try row.decode("description")
        context = try row.decode("context")
        severity = try row.decode("severity")
        priority = try row.decode("priority")
        status = try row.decode("status")
        participant = try row.decode("participant")
        endUserID = try row.decode("end_user_id")
        sessionID = try row.decode("session_id")
        email = try row.decode("email")
        clientName = try row.decode("client_name")
        assigneeID = try row.decode("assignee_id")
        let activity: String = try row.decode("activity")
        self.activity = (try? JSONDecoder().decode([ToolCallRecord].self, from: Data(activity.utf8))) ?? []
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// One entry of a ticket's activity stream: its creation, a comment, or a change.
public struct TicketEvent: Sendable, Equatable {
    public let id: Int64
    public let ticketID: Int64
    public let kind: Kind
    /// The team member who acted; nil for the end user (creation).
    public let authorUserID: Int64?
    public let authorName: String?
    public let body: String?
    public let oldValue: String?
    public let newValue: String?
    public let createdAt: Date

    public enum Kind: String, Sendable, CaseIterable {
        case created
        /// An internal note: the team only.
        case note
        /// A public reply: the end user sees it through `get_support_ticket` (and by email).
        case reply
        case status, priority, assignment
    }

    /// Whether the end user sees this entry.
    public var isPublic: Bool { kind != .note && kind != .assignment && kind != .priority }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        ticketID = try row.decode("ticket_id")
        kind = try row.decode("kind")
        authorUserID = try row.decode("author_user_id")
        authorName = try row.decode("author_name")
        body = try row.decode("body")
        oldValue = try row.decode("old_value")
        newValue = try row.decode("new_value")
        createdAt = try row.decode("created_at")
    }
}
