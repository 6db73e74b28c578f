import Foundation
import Logging

/// Tells people about an alert once when it starts firing and once when it is resolved: the
/// organization's webhooks subscribed to `alert.firing` / `alert.resolved` (for its own rules and
/// the platform-wide ones), and, when the rule asks for email, the organization's owners and
/// admins (the operators for platform-wide rules). A failure is logged, never retried here
/// (webhook deliveries and email have their own retries).
struct AlertNotifications: Sendable {
    let platform: Platform
    let logger: Logger

    func notify(_ alert: Alert, rule: AlertRule, now: Date = Date()) async {
        let origin = platform.configuration.publicOrigin
        let event = AlertEvent(alert, rule: rule, url: "\(origin)/orgs/\(alert.organizationSlug)/alerts", now: now)
        do {
            try await WebhookQueue(database: platform.database).enqueue(event, organizationID: alert.organizationID, now: now)
            guard rule.notifyEmail else { return }
            let recipients: [String]
            let link: String
            if rule.isPlatformWide {
                recipients = try await platform.accounts.users.operators().map(\.email)
                link = "\(origin)/operator/alerts"
            } else {
                recipients = try await platform.accounts.memberships.members(organizationID: alert.organizationID).filter {
                    $0.role.canManageServers
                }.map(\.email)
                link = event.alert.url
            }
            let state = alert.state == .firing ? "FIRING" : "RESOLVED"
            for address in recipients {
                try await platform.accounts.outbox.enqueue(
                    to: address, subject: "[\(alert.organizationName)] \(state): \(rule.kind.label) on \(alert.serverName)",
                    body: """
                        \(state): \(rule.condition)
                        Server: \(alert.serverName) (\(alert.serverSlug)) of \(alert.organizationName)

                        \(alert.message)
                        Started: \(MemberPages.format(alert.startedAt)) UTC\(alert.resolvedAt.map { "\nResolved: \(MemberPages.format($0)) UTC" } ?? "")

                        Alerts: \(link)
                        """, logger: logger)
            }
        } catch {
            logger.error(
                "alert notification failed", metadata: ["alert.id": "\(alert.id)", "error": .string(String(describing: error))])
        }
    }
}
