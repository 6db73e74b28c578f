/// The events a webhook can subscribe to (docs/support.md#webhooks): ticket events
/// (``SupportEvent``) and alert events (``AlertEvent``).
enum WebhookEvent: String, Sendable, CaseIterable {
    case ticketCreated = "ticket.created"
    case ticketCommented = "ticket.commented"
    case ticketStatusChanged = "ticket.status_changed"
    case alertFiring = "alert.firing"
    case alertResolved = "alert.resolved"

    /// What the webhook form says about it.
    var label: String {
        switch self {
        case .ticketCreated: "A ticket is created"
        case .ticketCommented: "A ticket gets a reply or an internal note"
        case .ticketStatusChanged: "A ticket's status changes"
        case .alertFiring: "An alert starts firing"
        case .alertResolved: "A firing alert is resolved"
        }
    }
}

/// An event's body as queued for webhooks: its name and its JSON payload (the body in the JSON
/// format; the Slack format is made from it when sent).
protocol WebhookPayload: Sendable {
    var webhookEvent: WebhookEvent { get }
    func json() -> String
}
