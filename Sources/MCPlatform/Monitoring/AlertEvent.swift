import Foundation

/// An alert that started firing or was resolved, as sent to the organization's webhooks: the
/// JSON payload documented in docs/operations.md#alert-webhooks. Webhooks in the Slack format
/// get ``slackText`` instead.
struct AlertEvent: Sendable, Equatable, Codable {
    let event: Name
    let occurredAt: Date
    let organization: SupportEvent.Organization
    let server: SupportEvent.Server
    let rule: Rule
    let alert: Payload

    enum Name: String, Sendable, Codable {
        case firing = "alert.firing"
        case resolved = "alert.resolved"
    }

    struct Rule: Sendable, Equatable, Codable {
        let id: Int64
        /// `organization`, or `platform` for the operator's platform-wide rules.
        let scope: String
        let kind: String
        let threshold: Double
        let windowMinutes: Int
        let minRequests: Int
        /// The condition in words.
        let condition: String

        enum CodingKeys: String, CodingKey {
            case id, scope, kind, threshold, windowMinutes = "window_minutes", minRequests = "min_requests", condition
        }
    }

    struct Payload: Sendable, Equatable, Codable {
        let id: Int64
        let state: String
        /// What was measured when it started firing.
        let value: Double
        let message: String
        let startedAt: Date
        let resolvedAt: Date?
        /// The organization's alerts page in the dashboard.
        let url: String

        enum CodingKeys: String, CodingKey {
            case id, state, value, message, startedAt = "started_at", resolvedAt = "resolved_at", url
        }
    }

    enum CodingKeys: String, CodingKey {
        case event, occurredAt = "occurred_at", organization, server, rule, alert
    }

    init(_ alert: Alert, rule: AlertRule, url: String, now: Date = Date()) {
        event = alert.state == .firing ? .firing : .resolved
        occurredAt = now
        organization = .init(slug: alert.organizationSlug, name: alert.organizationName)
        server = .init(slug: alert.serverSlug, name: alert.serverName)
        self.rule = Rule(
            id: rule.id, scope: rule.isPlatformWide ? "platform" : "organization", kind: rule.kind.rawValue, threshold: rule.threshold,
            windowMinutes: rule.windowMinutes, minRequests: rule.minRequests, condition: rule.condition)
        self.alert = Payload(
            id: alert.id, state: alert.state.rawValue, value: alert.value, message: alert.message, startedAt: alert.startedAt,
            resolvedAt: alert.resolvedAt, url: url)
    }

    static func decode(json: String) throws -> AlertEvent {
        try WebhookJSON.decode(AlertEvent.self, from: json)
    }

    /// One paragraph in Slack's markup: the state, the server, what was measured, a link.
    var slackText: String {
        let escaped = WebhookRequest.slackEscaped
        let head = event == .firing ? "[FIRING]" : "[RESOLVED]"
        return
            "\(head) \(escaped(rule.condition)) on *\(escaped(server.name))* (\(escaped(server.slug))): \(escaped(alert.message)). <\(alert.url)|Alerts of \(escaped(organization.name))>"
    }
}

extension AlertEvent: WebhookPayload {
    var webhookEvent: WebhookEvent { event == .firing ? .alertFiring : .alertResolved }

    func json() -> String {
        WebhookJSON.encode(self)
    }
}
