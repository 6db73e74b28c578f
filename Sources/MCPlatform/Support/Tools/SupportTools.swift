import Foundation
import Logging
import MCP

/// A support ticket tool: offered unless the server turned tickets off in its settings.
protocol SupportTool: MCPTool {}

extension SupportTool {
    func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool {
        server.settings.supportTickets
    }
}

/// `create_support_ticket`: raises a ticket with the session's recent searches attached.
struct CreateSupportTicketTool: SupportTool {
    static let maximumTitle = 200
    static let maximumDescription = 10_000
    static let maximumContext = 20_000
    /// Tickets one end user (or session) may raise per hour.
    static let hourlyLimit = RateLimiter.Limit(requests: 10, perSeconds: 3600)

    let definition = Tool(
        name: "create_support_ticket",
        title: "Raise a support ticket",
        description: """
            Raise a support ticket with the product's support team when the documentation (search_docs) does not solve the \
            user's problem, or the user asks for a human. Summarize the problem, what was tried and the relevant output. \
            Ask the user first: the team will read it. Returns the ticket number; replies arrive by email and through \
            get_support_ticket.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "title": ["type": "string", "maxLength": .int(maximumTitle), "description": "One line: the problem."],
                "description": [
                    "type": "string", "maxLength": .int(maximumDescription),
                    "description": "What the user is trying to do, what happens, what was tried.",
                ],
                "context": [
                    "type": "string", "maxLength": .int(maximumContext),
                    "description": "Versions, configuration, error output, logs (no secrets).",
                ],
                "email": ["type": "string", "description": "Where the team replies; required when the user is not signed in."],
                "severity": [
                    "type": "string", "enum": .array(Ticket.Priority.allCases.map { .string($0.rawValue) }), "default": "normal",
                ],
            ],
            "required": ["title", "description"],
            "additionalProperties": false,
        ],
        annotations: .init(
            title: "Raise a support ticket", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true),
        outputSchema: TicketView.schema
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let arguments = ToolArguments(arguments)
        let title = try arguments.string("title", maximumLength: Self.maximumTitle)
        guard !title.contains(where: \.isNewline) else { throw ToolError("'title' must be a single line.") }
        let description = try arguments.string("description", maximumLength: Self.maximumDescription)
        let extra = try arguments.optionalString("context", maximumLength: Self.maximumContext).flatMap { $0.isEmpty ? nil : $0 }
        let severityName = try arguments.optionalString("severity", maximumLength: 20) ?? Ticket.Priority.normal.rawValue
        guard let severity = Ticket.Priority(rawValue: severityName) else {
            throw ToolError("'severity' must be one of: \(Ticket.Priority.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        var email = try arguments.optionalString("email", maximumLength: 254).flatMap { $0.isEmpty ? nil : $0 }
        if let given = email, !Self.isEmailAddress(given) { throw ToolError("'email' is not an email address.") }

        let platform = context.platform
        let participant = Participant(session: context.session)
        if email == nil, let id = participant.endUserID {
            email = try await EndUserStore(database: platform.database).find(id: id, serverID: context.server.id)?.email
        }
        guard email != nil || participant.endUserID != nil else {
            throw ToolError(
                "The user is not signed in, so the team could not reply. Ask the user for an email address for replies, then call create_support_ticket again with \"email\"."
            )
        }
        if let wait = try await platform.auth.rateLimiter.hit(
            "ticket:\(context.server.id):\(participant.key)", limit: Self.hourlyLimit)
        {
            throw ToolError("Too many tickets from this user in the last hour. Try again in \(wait / 60 + 1) minutes.")
        }
        let activity = try await platform.events.recentToolCalls(
            serverID: context.server.id, sessionID: context.session.id, database: platform.database)
        let ticket = try await TicketStore(database: platform.database).create(
            .init(
                organizationID: context.server.organizationID, serverID: context.server.id, title: title, description: description,
                context: extra, severity: severity, participant: participant.key, endUserID: participant.endUserID,
                sessionID: context.session.id, email: email, clientName: context.session.clientName, activity: activity))
        await SupportNotifications(platform: platform, logger: context.logger).created(ticket, server: context.server)
        context.logger.info("support ticket created", metadata: ["ticket": .stringConvertible(ticket.number)])

        let next =
            "Tell the user: ticket #\(ticket.number) was sent to the \(context.server.organizationName) support team"
            + (email.map { ", who will reply by email to \($0)" } ?? "")
            + ". To check for replies later, call get_support_ticket {\"number\": \(ticket.number)}."
        return try TicketView.result(for: ticket, events: [], lead: "Created support ticket #\(ticket.number): \(ticket.title)", next: next)
    }

    /// A plausible address: one `@`, something on both sides, a dot in the domain, no spaces.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
    }
}

/// `get_support_ticket`: one of the user's tickets with its status and the team's replies.
struct GetSupportTicketTool: SupportTool {
    let definition = Tool(
        name: "get_support_ticket",
        title: "Read a support ticket",
        description: "Show one of the user's support tickets: its status and the support team's replies.",
        inputSchema: [
            "type": "object",
            "properties": ["number": ["type": "integer", "minimum": 1, "description": "The ticket number (#42 → 42)."]],
            "required": ["number"],
            "additionalProperties": false,
        ],
        annotations: .init(title: "Read a support ticket", readOnlyHint: true, idempotentHint: true, openWorldHint: false),
        outputSchema: TicketView.schema
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let number = try ToolArguments(arguments).integer("number", in: 1...Int(Int32.max))
        let store = TicketStore(database: context.platform.database)
        guard
            let ticket = try await store.ticket(
                number: number, serverID: context.server.id, participant: Participant(session: context.session).key)
        else {
            throw ToolError("There is no ticket #\(number) of this user on this server. Call list_my_tickets to see theirs.")
        }
        let events = try await store.events(of: ticket, publicOnly: true)
        let replies = events.filter { $0.kind == .reply }.count
        let next =
            replies == 0
            ? "No reply yet. The team answers by email\(ticket.email.map { " (\($0))" } ?? "") and here."
            : "Show the user the replies. If the problem is solved, say so; otherwise they can reply by email."
        return try TicketView.result(for: ticket, events: events, lead: "Support ticket #\(ticket.number): \(ticket.title)", next: next)
    }
}

/// `list_my_tickets`: the user's tickets on this server.
struct ListMyTicketsTool: SupportTool {
    let definition = Tool(
        name: "list_my_tickets",
        title: "List my support tickets",
        description: "List the user's support tickets on this server, newest first, with their status.",
        inputSchema: ["type": "object", "properties": [:], "additionalProperties": false],
        annotations: .init(title: "List my support tickets", readOnlyHint: true, idempotentHint: true, openWorldHint: false),
        outputSchema: [
            "type": "object",
            "properties": [
                "tickets": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "number": ["type": "integer"], "title": ["type": "string"], "status": ["type": "string"],
                            "createdAt": ["type": "string"], "updatedAt": ["type": "string"],
                        ],
                        "required": ["number", "title", "status", "createdAt", "updatedAt"],
                    ],
                ]
            ],
            "required": ["tickets"],
        ]
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let tickets = try await TicketStore(database: context.platform.database).tickets(
            serverID: context.server.id, participant: Participant(session: context.session).key)
        let listed = tickets.map {
            Listed(
                number: $0.number, title: $0.title, status: $0.status.rawValue, createdAt: TicketView.timestamp($0.createdAt),
                updatedAt: TicketView.timestamp($0.updatedAt))
        }
        var text =
            tickets.isEmpty
            ? "The user has no support tickets on this server."
            : "Support tickets of the user, newest first:\n"
                + tickets.map { "- #\($0.number) \($0.title) [\($0.status.label.lowercased())]" }.joined(separator: "\n")
        if !tickets.isEmpty { text += "\n\nRead one with get_support_ticket {\"number\": …}." }
        return try CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: ["tickets": listed])
    }

    private struct Listed: Codable {
        let number: Int
        let title, status: String
        /// ISO 8601 (see ``TicketView/timestamp(_:)``).
        let createdAt, updatedAt: String
    }
}
