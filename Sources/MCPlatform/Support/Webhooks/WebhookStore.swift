import Foundation

/// An organization's webhooks and their deliveries, as the dashboard manages them. Every
/// method takes the organization: another organization's webhook or delivery is not found.
///
/// A webhook's secret (`whsec_` and 32 random bytes, base64url) signs its deliveries; it is
/// stored sealed (``SecretKey/seal(_:purpose:)``) and returned only by ``create(_:organizationID:now:)``
/// and ``rotateSecret(id:organizationID:now:)``.
struct WebhookStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    static let maximumPerOrganization = 10
    static let secretPurpose = "webhook-secret"
    static let secretPrefix = "whsec_"

    private static let columns = """
        w.id, w.organization_id, w.url, w.format, w.events, w.enabled, w.consecutive_failures, w.disabled_reason, w.created_at, w.updated_at,
        (SELECT d.status FROM webhook_deliveries d WHERE d.webhook_id = w.id ORDER BY d.id DESC LIMIT 1) AS last_status,
        (SELECT d.created_at FROM webhook_deliveries d WHERE d.webhook_id = w.id ORDER BY d.id DESC LIMIT 1) AS last_at
        """

    /// Creates an enabled webhook; returns it with its secret, which is not shown again.
    func create(_ settings: Webhook.Settings, organizationID: Int64, now: Date = Date()) async throws -> (Webhook, secret: String) {
        let secret = Self.makeSecret()
        let sealed = try secretKey.seal(secret, purpose: Self.secretPurpose)
        // One statement, so that the limit holds when two people add webhooks at once.
        guard
            let row = try await database.first(
                """
                INSERT INTO webhooks (organization_id, url, format, events, secret, enabled, created_at, updated_at)
                SELECT \(organizationID), \(settings.url), \(settings.format.rawValue), \(Self.stored(settings.events)), \(sealed), \(true), \(now), \(now)
                WHERE (SELECT COUNT(*) FROM webhooks WHERE organization_id = \(organizationID)) < \(Self.maximumPerOrganization)
                RETURNING id
                """)
        else { throw WebhookError.limit }
        guard let webhook = try await webhook(id: try row.decode("id"), organizationID: organizationID) else {
            throw DatabaseError.backend("the new webhook was not found")
        }
        return (webhook, secret)
    }

    /// The organization's webhooks, oldest first.
    func webhooks(organizationID: Int64) async throws -> [Webhook] {
        try await database.query("SELECT \(raw: Self.columns) FROM webhooks w WHERE w.organization_id = \(organizationID) ORDER BY w.id")
            .map(Webhook.init)
    }

    func webhook(id: Int64, organizationID: Int64) async throws -> Webhook? {
        try await database.first(
            "SELECT \(raw: Self.columns) FROM webhooks w WHERE w.id = \(id) AND w.organization_id = \(organizationID)"
        ).map(Webhook.init)
    }

    /// Changes the URL, format and events; returns whether the webhook exists.
    func update(id: Int64, organizationID: Int64, settings: Webhook.Settings, now: Date = Date()) async throws -> Bool {
        try await !database.query(
            """
            UPDATE webhooks SET url = \(settings.url), format = \(settings.format.rawValue), events = \(Self.stored(settings.events)),
              updated_at = \(now)
            WHERE id = \(id) AND organization_id = \(organizationID) RETURNING id
            """
        ).isEmpty
    }

    /// Turns the webhook on (counting failures from zero again), or off with `reason`
    /// (shown in the dashboard). Returns whether it exists.
    func setEnabled(_ enabled: Bool, reason: String? = nil, id: Int64, organizationID: Int64, now: Date = Date()) async throws -> Bool {
        try await !database.query(
            """
            UPDATE webhooks SET enabled = \(enabled), disabled_reason = \(enabled ? nil : reason),
              consecutive_failures = \(raw: enabled ? "0" : "consecutive_failures"), updated_at = \(now)
            WHERE id = \(id) AND organization_id = \(organizationID) RETURNING id
            """
        ).isEmpty
    }

    /// Replaces the secret; returns the new one (shown once), or nil when there is no such webhook.
    func rotateSecret(id: Int64, organizationID: Int64, now: Date = Date()) async throws -> String? {
        let secret = Self.makeSecret()
        let rows = try await database.query(
            """
            UPDATE webhooks SET secret = \(try secretKey.seal(secret, purpose: Self.secretPurpose)), updated_at = \(now)
            WHERE id = \(id) AND organization_id = \(organizationID) RETURNING id
            """)
        return rows.isEmpty ? nil : secret
    }

    /// Deletes the webhook and its deliveries; returns whether it existed.
    func delete(id: Int64, organizationID: Int64) async throws -> Bool {
        try await !database.query("DELETE FROM webhooks WHERE id = \(id) AND organization_id = \(organizationID) RETURNING id").isEmpty
    }

    /// The webhook's deliveries, newest first: `limit` of them, older than delivery `before` when given.
    func deliveries(webhookID: Int64, organizationID: Int64, before: Int64? = nil, limit: Int = 50) async throws -> [WebhookDelivery] {
        try await database.query(
            """
            SELECT \(raw: WebhookDelivery.columns) FROM webhook_deliveries
            WHERE webhook_id = (SELECT id FROM webhooks WHERE id = \(webhookID) AND organization_id = \(organizationID))
              AND id < \(before ?? Int64.max)
            ORDER BY id DESC LIMIT \(limit)
            """
        ).map(WebhookDelivery.init)
    }

    /// Queues the payload of a past delivery again, as a new delivery; nil when there is no such delivery.
    func replay(deliveryID: Int64, webhookID: Int64, organizationID: Int64, now: Date = Date()) async throws -> WebhookDelivery? {
        try await database.first(
            """
            INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, created_at)
            SELECT d.webhook_id, d.event, d.payload, 'pending', \(now), \(now) FROM webhook_deliveries d
            WHERE d.id = \(deliveryID)
              AND d.webhook_id = (SELECT id FROM webhooks WHERE id = \(webhookID) AND organization_id = \(organizationID))
            RETURNING \(raw: WebhookDelivery.columns)
            """
        ).map(WebhookDelivery.init)
    }

    /// Queues `event` for this webhook only, whatever events it subscribed to ("Send test event");
    /// nil when there is no such webhook.
    func queue(_ event: SupportEvent, webhookID: Int64, organizationID: Int64, now: Date = Date()) async throws -> WebhookDelivery? {
        try await database.first(
            """
            INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, created_at)
            SELECT id, \(event.event.rawValue), \(event.json()), 'pending', \(now), \(now) FROM webhooks
            WHERE id = \(webhookID) AND organization_id = \(organizationID)
            RETURNING \(raw: WebhookDelivery.columns)
            """
        ).map(WebhookDelivery.init)
    }

    static func makeSecret() -> String {
        secretPrefix + RandomToken.make(bytes: 32)
    }

    private static func stored(_ events: [WebhookEvent]) -> String {
        events.map(\.rawValue).joined(separator: ",")
    }
}
