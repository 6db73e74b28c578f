import Foundation

extension SupportEvent {
    /// The sample event "Send test event" queues: a `ticket.created` of an example ticket #0,
    /// marked `"test": true`, whose link leads to the webhook's page.
    static func test(organization: MCPlatform.Organization, server: TenantServer?, webhookURL: String, now: Date = Date()) -> SupportEvent {
        var event = SupportEvent(
            event: .ticketCreated, occurredAt: now, organization: .init(slug: organization.slug, name: organization.name),
            server: .init(slug: server?.slug ?? "example", name: server?.name ?? "Example docs"),
            ticket: .init(
                number: 0, title: "Test event from MCPlatform",
                description: "This is a test of your webhook. Real events describe the ticket an end user's agent raised.",
                status: .pending, priority: .normal, severity: .normal, url: webhookURL, reporterEmail: "end-user@example.com",
                createdAt: now))
        event.test = true
        return event
    }
}
