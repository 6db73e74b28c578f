import Foundation

/// Storage of tickets and their activity streams. Dashboard queries are scoped by organization,
/// MCP queries by server and participant, so nobody reads another's ticket.
public struct TicketStore: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// What a new ticket is made of (already validated by the tool).
    public struct NewTicket: Sendable {
        public var organizationID: Int64
        public var serverID: Int64
        public var title: String
        public var description: String
        public var context: String?
        public var severity: Ticket.Priority
        public var participant: String
        public var endUserID: Int64?
        public var sessionID: String?
        public var email: String?
        public var clientName: String?
        public var activity: [ToolCallRecord]
    }

    /// Creates the ticket with the organization's next number and its `created` event.
    public func create(_ new: NewTicket, now: Date = Date()) async throws -> Ticket {
        try await database.transaction { db in
            // The counter row is created on first use; the UPDATE then takes its row lock, so
            // concurrent tickets get consecutive numbers.
            try await db.query(
                """
                INSERT INTO ticket_counters (organization_id, last_number) VALUES (\(new.organizationID), 0)
                ON CONFLICT (organization_id) DO NOTHING
                """)
            let number = try await db.one(
                """
                UPDATE ticket_counters SET last_number = last_number + 1 WHERE organization_id = \(new.organizationID)
                RETURNING last_number
                """
            ).decode("last_number", as: Int64.self)
            let ticket = try Ticket(
                row: try await db.one(
                    """
                    INSERT INTO tickets (organization_id, server_id, number, title, description, context, severity, priority, status,
                        participant, end_user_id, session_id, email, client_name, activity, created_at, updated_at)
                    VALUES (\(new.organizationID), \(new.serverID), \(number), \(new.title), \(new.description), \(new.context),
                        \(new.severity.rawValue), \(new.severity.rawValue), \(Ticket.Status.pending.rawValue), \(new.participant),
                        \(new.endUserID), \(new.sessionID), \(new.email), \(new.clientName), \(new.activity.jsonColumn), \(now), \(now))
                    RETURNING *
                    """))
            try await Self.insertEvent(ticketID: ticket.id, kind: .created, author: nil, now: now, on: db)
            return ticket
        }
    }

    // MARK: Reading

    /// Ticket `number` of the organization (dashboard).
    public func ticket(number: Int, organizationID: Int64) async throws -> Ticket? {
        try await database.first(
            "SELECT * FROM tickets WHERE organization_id = \(organizationID) AND number = \(Int64(number))"
        ).map(Ticket.init)
    }

    /// Ticket `number` when `participant` raised it on the server (MCP: only one's own tickets).
    public func ticket(number: Int, serverID: Int64, participant: String) async throws -> Ticket? {
        try await database.first(
            """
            SELECT t.* FROM tickets t JOIN mcp_servers s ON s.organization_id = t.organization_id
            WHERE s.id = \(serverID) AND t.server_id = \(serverID) AND t.number = \(Int64(number)) AND t.participant = \(participant)
            """
        ).map(Ticket.init)
    }

    /// The participant's tickets on the server, newest first.
    public func tickets(serverID: Int64, participant: String, limit: Int = 50) async throws -> [Ticket] {
        try await database.query(
            """
            SELECT * FROM tickets WHERE server_id = \(serverID) AND participant = \(participant)
            ORDER BY id DESC LIMIT \(Int64(limit))
            """
        ).map(Ticket.init)
    }

    /// The ticket's activity stream, oldest first; only what the end user sees when `publicOnly`.
    public func events(of ticket: Ticket, publicOnly: Bool = false) async throws -> [TicketEvent] {
        let events = try await database.query(
            "SELECT * FROM ticket_events WHERE ticket_id = \(ticket.id) ORDER BY id"
        ).map(TicketEvent.init)
        return publicOnly ? events.filter(\.isPublic) : events
    }

    // MARK: Changing (the team)

    /// Adds a public reply (the end user sees it) or an internal note.
    @discardableResult
    public func comment(on ticket: Ticket, body: String, isPublic: Bool, author: User, now: Date = Date()) async throws -> TicketEvent {
        try await database.transaction { db in
            try await Self.touch(ticket, now: now, on: db)
            return try await Self.insertEvent(
                ticketID: ticket.id, kind: isPublic ? .reply : .note, author: author, body: body, now: now, on: db)
        }
    }

    /// Changes the status; nil when it already had it.
    public func setStatus(_ status: Ticket.Status, of ticket: Ticket, author: User, now: Date = Date()) async throws -> Ticket? {
        try await change("status", of: ticket, from: ticket.status.rawValue, to: status.rawValue, kind: .status, author: author, now: now)
    }

    /// Changes the priority; nil when it already had it.
    public func setPriority(_ priority: Ticket.Priority, of ticket: Ticket, author: User, now: Date = Date()) async throws -> Ticket? {
        try await change(
            "priority", of: ticket, from: ticket.priority.rawValue, to: priority.rawValue, kind: .priority, author: author, now: now)
    }

    /// Assigns the ticket to a member of its organization (nil: unassigned); nil when unchanged.
    /// The caller checks that `assignee` is a member.
    public func assign(_ ticket: Ticket, to assignee: User?, author: User, now: Date = Date()) async throws -> Ticket? {
        guard ticket.assigneeID != assignee?.id else { return nil }
        return try await database.transaction { db in
            let row = try await db.one(
                """
                UPDATE tickets SET assignee_id = \(assignee?.id), updated_at = \(now) WHERE id = \(ticket.id) RETURNING *
                """)
            try await Self.insertEvent(
                ticketID: ticket.id, kind: .assignment, author: author, oldValue: nil,
                newValue: assignee.map { $0.name }, now: now, on: db)
            return try Ticket(row: row)
        }
    }

    private func change(
        _ column: String, of ticket: Ticket, from old: String, to new: String, kind: TicketEvent.Kind, author: User, now: Date
    ) async throws -> Ticket? {
        guard old != new else { return nil }
        return try await database.transaction { db in
            let row = try await db.one(
                "UPDATE tickets SET \(raw: column) = \(new), updated_at = \(now) WHERE id = \(ticket.id) RETURNING *")
            try await Self.insertEvent(ticketID: ticket.id, kind: kind, author: author, oldValue: old, newValue: new, now: now, on: db)
            return try Ticket(row: row)
        }
    }

    // MARK: Inbox

    /// What the inbox shows: filters combine; `text` matches title, description and email.
    public struct InboxFilter: Sendable, Equatable {
        public var statuses: [Ticket.Status] = [.pending, .inProgress]
        public var priority: Ticket.Priority?
        /// 0: unassigned.
        public var assigneeID: Int64?
        public var serverID: Int64?
        public var text: String?
        public var limit = 50
        public var offset = 0

        public init() {}
    }

    /// A ticket in the inbox, with whether `userID` has seen its latest activity.
    public struct InboxEntry: Sendable, Equatable {
        public let ticket: Ticket
        public let unread: Bool
    }

    /// The organization's tickets matching `filter`, most recently active first.
    public func inbox(organizationID: Int64, filter: InboxFilter, userID: Int64) async throws -> [InboxEntry] {
        var conditions: [SQLStatement] = ["t.organization_id = \(organizationID)"]
        if !filter.statuses.isEmpty {
            conditions.append("t.status IN (\(SQLStatement.joined(filter.statuses.map { "\($0.rawValue)" })))")
        }
        if let priority = filter.priority { conditions.append("t.priority = \(priority.rawValue)") }
        switch filter.assigneeID {
        case 0?: conditions.append("t.assignee_id IS NULL")
        case let id?: conditions.append("t.assignee_id = \(id)")
        case nil: break
        }
        if let serverID = filter.serverID { conditions.append("t.server_id = \(serverID)") }
        if let text = filter.text, !text.isEmpty {
            let pattern =
                "%"
                + text.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append(
                """
                (LOWER(t.title) LIKE \(pattern) ESCAPE '\\' OR LOWER(t.description) LIKE \(pattern) ESCAPE '\\'
                 OR LOWER(COALESCE(t.email, '')) LIKE \(pattern) ESCAPE '\\')
                """)
        }
        return try await database.query(
            """
            SELECT t.*, r.read_at FROM tickets t LEFT JOIN ticket_reads r ON r.ticket_id = t.id AND r.user_id = \(userID)
            WHERE \(SQLStatement.joined(conditions, separator: " AND "))
            ORDER BY t.updated_at DESC, t.id DESC LIMIT \(Int64(filter.limit)) OFFSET \(Int64(filter.offset))
            """
        ).map { row in
            let ticket = try Ticket(row: row)
            let readAt: Date? = try row.decode("read_at")
            return InboxEntry(ticket: ticket, unread: readAt.map { $0 < ticket.updatedAt } ?? true)
        }
    }

    /// How many open (pending or in progress) tickets of the organization `userID` has not seen.
    public func unreadCount(organizationID: Int64, userID: Int64) async throws -> Int {
        Int(
            try await database.one(
                """
                SELECT COUNT(*) AS n FROM tickets t LEFT JOIN ticket_reads r ON r.ticket_id = t.id AND r.user_id = \(userID)
                WHERE t.organization_id = \(organizationID) AND t.status IN ('pending', 'in_progress')
                  AND (r.read_at IS NULL OR r.read_at < t.updated_at)
                """
            ).decode("n", as: Int64.self))
    }

    /// Records that `userID` has seen the ticket as it is now.
    public func markRead(_ ticket: Ticket, userID: Int64, now: Date = Date()) async throws {
        let readAt = max(now, ticket.updatedAt)
        try await database.query(
            """
            INSERT INTO ticket_reads (ticket_id, user_id, read_at) VALUES (\(ticket.id), \(userID), \(readAt))
            ON CONFLICT (ticket_id, user_id) DO UPDATE SET read_at = \(readAt)
            """)
    }

    /// Open tickets per status for the organization (the inbox's tabs).
    public func statusCounts(organizationID: Int64) async throws -> [Ticket.Status: Int] {
        var counts: [Ticket.Status: Int] = [:]
        for row in try await database.query(
            "SELECT status, COUNT(*) AS n FROM tickets WHERE organization_id = \(organizationID) GROUP BY status")
        {
            if let status = Ticket.Status(rawValue: try row.decode("status")) {
                counts[status] = Int(try row.decode("n", as: Int64.self))
            }
        }
        return counts
    }

    // MARK: Events

    private static func touch(_ ticket: Ticket, now: Date, on db: any SQLExecutor) async throws {
        try await db.query("UPDATE tickets SET updated_at = \(now) WHERE id = \(ticket.id)")
    }

    @discardableResult
    private static func insertEvent(
        ticketID: Int64, kind: TicketEvent.Kind, author: User?, body: String? = nil, oldValue: String? = nil, newValue: String? = nil,
        now: Date, on db: any SQLExecutor
    ) async throws -> TicketEvent {
        try TicketEvent(
            row: try await db.one(
                """
                INSERT INTO ticket_events (ticket_id, kind, author_user_id, author_name, body, old_value, new_value, created_at)
                VALUES (\(ticketID), \(kind.rawValue), \(author?.id), \(author?.name), \(body), \(oldValue), \(newValue), \(now))
                RETURNING *
                """))
    }
}
