import Foundation
import Logging

/// Tells people about ticket events: the organization's webhooks get every event, and email goes
/// to the team when a ticket arrives, to the assignee when someone else comments or assigns it
/// to them, and to the end user on public replies. A failure to notify is logged; it never
/// undoes the change itself.
struct SupportNotifications: Sendable {
    let platform: Platform
    let logger: Logger

    /// The ticket's page in the dashboard.
    func url(of ticket: Ticket, in server: TenantServer) -> String {
        "\(platform.configuration.publicOrigin)/orgs/\(server.organizationSlug)/tickets/\(ticket.number)"
    }

    func created(_ ticket: Ticket, server: TenantServer) async {
        await notify(.ticketCreated, ticket, server: server) {
            let team = try await platform.accounts.memberships.members(organizationID: ticket.organizationID).filter {
                $0.role.canManageServers
            }
            for member in team {
                try await email(
                    to: member.email, subject: "[\(server.organizationName) #\(ticket.number)] \(ticket.title)",
                    body: """
                        A new support ticket was raised through \(server.name) (\(ticket.severity.rawValue) severity):

                        \(ticket.title)

                        \(ticket.description)

                        Reporter: \(ticket.email ?? "anonymous")
                        Answer it in the dashboard: \(url(of: ticket, in: server))
                        """)
            }
        }
    }

    func commented(_ ticket: Ticket, comment: TicketEvent, author: User, server: TenantServer) async {
        let body = comment.body ?? ""
        var event = event(.ticketCommented, ticket, server: server)
        event.comment = .init(body: body, isPublic: comment.kind == .reply, author: author.name)
        await notify(event, ticket) {
            if comment.kind == .reply, let address = ticket.email {
                try await email(
                    to: address, subject: "Re: [\(server.organizationName) #\(ticket.number)] \(ticket.title)",
                    body: """
                        \(author.name) of \(server.organizationName) replied to your support ticket #\(ticket.number):

                        \(body)

                        Your coding agent can show the whole conversation: ask it for support ticket #\(ticket.number).
                        """)
            }
            try await emailAssignee(of: ticket, unless: author, server: server, what: "\(author.name) commented:\n\n\(body)")
        }
    }

    func statusChanged(_ ticket: Ticket, from old: Ticket.Status, author: User, server: TenantServer) async {
        var event = event(.ticketStatusChanged, ticket, server: server)
        event.change = .init(from: old, to: ticket.status, author: author.name)
        await notify(event, ticket) {}
    }

    func assigned(_ ticket: Ticket, author: User, server: TenantServer) async {
        await notify(nil as SupportEvent?, ticket) {
            try await emailAssignee(of: ticket, unless: author, server: server, what: "\(author.name) assigned this ticket to you.")
        }
    }

    // MARK: Helpers

    private func event(_ name: SupportEvent.Name, _ ticket: Ticket, server: TenantServer) -> SupportEvent {
        SupportEvent(
            event: name, occurredAt: Date(), organization: .init(slug: server.organizationSlug, name: server.organizationName),
            server: .init(slug: server.slug, name: server.name),
            ticket: .init(
                number: ticket.number, title: ticket.title, description: ticket.description, status: ticket.status,
                priority: ticket.priority,
                severity: ticket.severity, url: url(of: ticket, in: server), reporterEmail: ticket.email, createdAt: ticket.createdAt))
    }

    private func notify(_ name: SupportEvent.Name, _ ticket: Ticket, server: TenantServer, emails: () async throws -> Void) async {
        await notify(event(name, ticket, server: server), ticket, emails: emails)
    }

    /// Queues `event` for the webhooks, then sends the emails; logs what fails.
    private func notify(_ event: SupportEvent?, _ ticket: Ticket, emails: () async throws -> Void) async {
        do {
            if let event { try await WebhookQueue(database: platform.database).enqueue(event, organizationID: ticket.organizationID) }
            try await emails()
        } catch {
            logger.error(
                "ticket notification failed",
                metadata: ["ticket": .stringConvertible(ticket.number), "error": .string(String(describing: error))])
        }
    }

    private func emailAssignee(of ticket: Ticket, unless author: User, server: TenantServer, what: String) async throws {
        guard let assigneeID = ticket.assigneeID, assigneeID != author.id,
            let assignee = try await platform.accounts.users.find(id: assigneeID)
        else { return }
        try await email(
            to: assignee.email, subject: "[\(server.organizationName) #\(ticket.number)] \(ticket.title)",
            body: "\(what)\n\nThe ticket: \(url(of: ticket, in: server))")
    }

    private func email(to address: String, subject: String, body: String) async throws {
        try await platform.accounts.outbox.enqueue(to: address, subject: subject, body: body, logger: logger)
    }
}
