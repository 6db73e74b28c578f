import Foundation

/// The entry point of webhook delivery: queues an event for every enabled webhook of the
/// organization that subscribed to it. Deliveries are rows in the database (durable, retried by
/// whichever instance's ``WebhookSender`` claims them).
public struct WebhookQueue: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// Queues `event` (in the caller's transaction when `executor` is one). Returns how many
    /// deliveries were queued.
    @discardableResult
    func enqueue(_ event: some WebhookPayload, organizationID: Int64, on executor: (any SQLExecutor)? = nil, now: Date = Date())
        async throws
        -> Int
    {
        let db = executor ?? database
        let payload = event.json()
        let rows = try await db.query(
            """
            INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, created_at)
            SELECT id, \(event.webhookEvent.rawValue), \(payload), 'pending', \(now), \(now) FROM webhooks
            WHERE organization_id = \(organizationID) AND enabled = \(true)
              AND (',' || events || ',') LIKE \("%," + event.webhookEvent.rawValue + ",%")
            RETURNING id
            """)
        return rows.count
    }
}
