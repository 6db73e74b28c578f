import Foundation

/// A ticket event sent to the organization's webhooks: the JSON payload documented in
/// docs/support.md. Webhooks in the Slack format get a message made from it instead.
public struct SupportEvent: Sendable, Equatable, Codable {
    /// What happened.
    public enum Name: String, Sendable, Codable, CaseIterable {
        case ticketCreated = "ticket.created"
        case ticketCommented = "ticket.commented"
        case ticketStatusChanged = "ticket.status_changed"
    }

    public let event: Name
    public let occurredAt: Date
    public let organization: Organization
    public let server: Server
    public let ticket: TicketPayload
    /// For `ticket.commented`.
    public var comment: Comment?
    /// For `ticket.status_changed`.
    public var change: Change?
    /// `true` in the sample event a webhook's "Send test event" queues; absent otherwise.
    public var test: Bool?

    public struct Organization: Sendable, Equatable, Codable {
        public let slug, name: String
    }

    public struct Server: Sendable, Equatable, Codable {
        public let slug, name: String
    }

    public struct TicketPayload: Sendable, Equatable, Codable {
        public let number: Int
        public let title: String
        public let description: String
        public let status: Ticket.Status
        public let priority: Ticket.Priority
        public let severity: Ticket.Priority
        /// The ticket's page in the dashboard.
        public let url: String
        public let reporterEmail: String?
        public let createdAt: Date

        enum CodingKeys: String, CodingKey {
            case number, title, description, status, priority, severity, url, reporterEmail = "reporter_email", createdAt = "created_at"
        }
    }

    public struct Comment: Sendable, Equatable, Codable {
        public let body: String
        /// A public reply (the end user sees it) rather than an internal note.
        public let isPublic: Bool
        public let author: String

        enum CodingKeys: String, CodingKey {
            case body, isPublic = "public", author
        }
    }

    public struct Change: Sendable, Equatable, Codable {
        public let from: Ticket.Status
        public let to: Ticket.Status
        public let author: String
    }

    enum CodingKeys: String, CodingKey {
        case event, occurredAt = "occurred_at", organization, server, ticket, comment, change, test
    }

    /// The payload's JSON: ISO 8601 dates, sorted keys.
    public func json() -> String {
        WebhookJSON.encode(self)
    }

    /// Reads a stored payload.
    public static func decode(json: String) throws -> SupportEvent {
        try WebhookJSON.decode(SupportEvent.self, from: json)
    }
}

extension SupportEvent: WebhookPayload {
    var webhookEvent: WebhookEvent {
        switch event {
        case .ticketCreated: .ticketCreated
        case .ticketCommented: .ticketCommented
        case .ticketStatusChanged: .ticketStatusChanged
        }
    }
}
