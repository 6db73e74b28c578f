import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A change to a ticket, each a small POST form on its page.
enum TicketChange: String, CaseIterable, Sendable {
    case status, priority, assignee
}

/// One ticket's page (what was reported, what the user did before, the activity stream) and
/// its forms: comments (public replies and internal notes), status, priority, assignee.
extension TicketPages {
    /// The scope and the ticket in the path: 404 when the organization has none by that number.
    func ticket(_ request: Request, _ context: AppRequestContext) async throws -> (Scope, Ticket) {
        let scope = try await scope(request, context)
        guard let number = context.parameters.get("number").flatMap(Int.init), number > 0, number <= Int(Int32.max),
            let ticket = try await store.ticket(number: number, organizationID: scope.membership.organization.id),
            scope.server(ticket.serverID) != nil
        else { throw dashboard.notFound() }
        return (scope, ticket)
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var (scope, ticket) = try await ticket(request, context)
        let user = scope.visitor.user
        try await store.markRead(ticket, userID: user.id)
        // The sidebar's count no longer includes this ticket.
        scope.visitor.unreadTickets = try await store.unreadCount(organizationID: ticket.organizationID, userID: user.id)
        return try await page(scope, ticket, notice: Notice(request))
    }

    /// The ticket's page; after a failed form, what was entered and the problems by field.
    func page(
        _ scope: Scope, _ ticket: Ticket, fields: [String: String] = [:], errors: [String: String] = [:], notice: Notice? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let server = scope.server(ticket.serverID)
        let events = try await store.events(of: ticket).map { Self.describe($0) }
        let activity = ticket.activity.map { record -> [String: Any] in
            ["tool": record.tool, "summary": record.summary ?? "", "isError": record.isError, "at": MemberPages.format(record.at)]
        }
        var values: [String: Any] = [
            "number": ticket.number, "ticketTitle": ticket.title, "description": ticket.description,
            "status": ticket.status.rawValue, "statusLabel": ticket.status.label, "priority": ticket.priority.rawValue,
            "severity": ticket.severity.rawValue, "server": server?.name ?? "–", "email": ticket.email ?? "none given",
            "client": ticket.clientName ?? "–", "created": MemberPages.format(ticket.createdAt),
            "updated": MemberPages.format(ticket.updatedAt),
            "assignee": scope.member(ticket.assigneeID).map { "assigned to \($0.name)" } ?? "unassigned",
            "activity": activity, "hasActivity": !activity.isEmpty, "events": events,
            "walkthroughs": try await walkthroughProgress(of: ticket), "inboxURL": scope.inboxURL,
            "commentURL": scope.url(ticket.number, "/comments"), "statusURL": scope.url(ticket.number, "/\(TicketChange.status.rawValue)"),
            "priorityURL": scope.url(ticket.number, "/\(TicketChange.priority.rawValue)"),
            "assigneeURL": scope.url(ticket.number, "/\(TicketChange.assignee.rawValue)"),
            "statusOptions": Self.options(Ticket.Status.allCases.map { ($0.rawValue, $0.label) }, selected: ticket.status.rawValue),
            "priorityOptions": Self.options(
                Ticket.Priority.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }, selected: ticket.priority.rawValue),
            "assigneeOptions": Self.options(
                [("", "Unassigned")] + scope.members.map { ("\($0.userID)", $0.name) }, selected: ticket.assigneeID.map { "\($0)" } ?? ""),
            "body": fields["body"] ?? "", "isNote": fields["visibility"] == "note", "errors": errors,
        ]
        values["context"] = ticket.context
        if let id = ticket.endUserID,
            let endUser = try await EndUserStore(database: platform.database).find(id: id, serverID: ticket.serverID)
        {
            values["endUser"] = ["subject": endUser.subject, "name": endUser.name ?? ""]
        }
        if let notice { values["flash"] = ["kind": "success", "text": notice.text] }
        return dashboard.render(
            "ticket", values, visitor: scope.visitor, membership: scope.membership, title: "#\(ticket.number) \(ticket.title)",
            section: "support", status: status)
    }

    /// The reporter's walkthroughs on the ticket's server: slug and "step k of N" or "finished".
    func walkthroughProgress(of ticket: Ticket) async throws -> [[String: Any]] {
        let runs = try await WalkthroughRunStore(database: platform.database).current(
            serverID: ticket.serverID, participantKey: ticket.participant)
        guard !runs.isEmpty else { return [] }
        let walkthroughs = WalkthroughStore(database: platform.database)
        var rows: [[String: Any]] = []
        for entry in try await walkthroughs.list(serverID: ticket.serverID) {
            guard let run = runs[entry.walkthrough.id] else { continue }
            let steps = try await walkthroughs.version(id: run.versionID, serverID: ticket.serverID)?.content.steps.count ?? 0
            rows.append([
                "slug": entry.walkthrough.slug, "started": MemberPages.format(run.startedAt), "finished": run.isFinished,
                "progress": run.isFinished ? "finished" : "step \(min(run.stepsCompleted + 1, max(steps, 1))) of \(steps)",
            ])
        }
        return rows
    }

    /// An entry of the activity stream as the page shows it.
    static func describe(_ event: TicketEvent) -> [String: Any] {
        let what: String =
            switch event.kind {
            case .created: "raised the ticket"
            case .note: "added an internal note"
            case .reply: "replied to the reporter"
            case .status:
                "changed the status from \(Self.statusLabel(event.oldValue)) to \(Self.statusLabel(event.newValue))"
            case .priority: "changed the priority from \(event.oldValue ?? "–") to \(event.newValue ?? "–")"
            case .assignment: event.newValue.map { "assigned the ticket to \($0)" } ?? "unassigned the ticket"
            }
        var values: [String: Any] = [
            "kind": event.kind.rawValue, "author": event.authorName ?? (event.kind == .created ? "The reporter's agent" : "Someone"),
            "what": what, "at": MemberPages.format(event.createdAt), "internal": event.kind == .note,
        ]
        if let body = event.body, event.kind == .note || event.kind == .reply { values["body"] = body }
        return values
    }

    static func statusLabel(_ raw: String?) -> String {
        raw.flatMap(Ticket.Status.init(rawValue:))?.label ?? raw ?? "–"
    }

    // MARK: Changes

    /// A public reply (emailed to the reporter, shown through `get_support_ticket`) or an internal note.
    func comment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, ticket) = try await ticket(request, context)
        let form = try await dashboard.form(request, visitor: scope.visitor)
        let body = (form["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [String: String] = [:]
        if body.isEmpty {
            errors["body"] = "write a reply or a note"
        } else if body.count > Self.maximumComment {
            errors["body"] = "at most 10,000 characters (this has \(body.count))"
        }
        let visibility = form["visibility"] ?? ""
        if visibility != "reply" && visibility != "note" { errors["visibility"] = "choose a public reply or an internal note" }
        guard errors.isEmpty else {
            return try await page(scope, ticket, fields: form, errors: errors, status: .unprocessableContent)
        }
        let user = scope.visitor.user
        let event = try await store.comment(on: ticket, body: body, isPublic: visibility == "reply", author: user)
        try await store.markRead(ticket, userID: user.id)
        if let server = scope.server(ticket.serverID) {
            await notifications(context).commented(ticket, comment: event, author: user, server: server)
        }
        log("ticket \(event.kind == .reply ? "reply" : "note") added", ticket, scope, context)
        return redirect(scope, ticket, event.kind == .reply ? .replied : .noted)
    }

    func perform(_ change: TicketChange, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, ticket) = try await ticket(request, context)
        let form = try await dashboard.form(request, visitor: scope.visitor)
        let user = scope.visitor.user
        let value = form[change.rawValue] ?? ""
        func refuse(_ message: String) async throws -> Response {
            try await page(scope, ticket, errors: [change.rawValue: message], status: .unprocessableContent)
        }
        guard let server = scope.server(ticket.serverID) else { throw dashboard.notFound() }
        let changed: Ticket?
        switch change {
        case .status:
            guard let status = Ticket.Status(rawValue: value) else { return try await refuse("choose a status") }
            changed = try await store.setStatus(status, of: ticket, author: user)
            if let changed { await notifications(context).statusChanged(changed, from: ticket.status, author: user, server: server) }
        case .priority:
            guard let priority = Ticket.Priority(rawValue: value) else { return try await refuse("choose a priority") }
            changed = try await store.setPriority(priority, of: ticket, author: user)
        case .assignee:
            var assignee: User?
            if !value.isEmpty {
                guard let id = Int64(value), scope.member(id) != nil, let member = try await dashboard.accounts.users.find(id: id) else {
                    return try await refuse("choose a member of \(scope.membership.organization.name)")
                }
                assignee = member
            }
            changed = try await store.assign(ticket, to: assignee, author: user)
            if let changed { await notifications(context).assigned(changed, author: user, server: server) }
        }
        guard let changed else { return redirect(scope, ticket, .unchanged) }
        try await store.markRead(changed, userID: user.id)
        log("ticket \(change.rawValue) changed", ticket, scope, context)
        let notice: Notice =
            switch change {
            case .status: .status
            case .priority: .priority
            case .assignee: .assigned
            }
        return redirect(scope, ticket, notice)
    }

    func redirect(_ scope: Scope, _ ticket: Ticket, _ notice: Notice) -> Response {
        PageResponse.redirect(scope.url(ticket.number) + "?notice=\(notice.rawValue)").response
    }

    func log(_ message: Logger.Message, _ ticket: Ticket, _ scope: Scope, _ context: AppRequestContext) {
        context.logger.info(
            message,
            metadata: ["organization": .string(scope.membership.organization.slug), "ticket": .stringConvertible(ticket.number)])
    }
}
