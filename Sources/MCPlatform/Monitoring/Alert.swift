import Foundation

/// A rule's condition held for a server: firing from `startedAt` until it no longer holds
/// (`resolvedAt`). With the server and organization it concerns, for pages and notifications.
struct Alert: Sendable, Equatable {
    let id: Int64
    let ruleID: Int64
    let serverID: Int64
    let state: State
    /// What was measured when it started (a percentage, milliseconds, failed checks…).
    let value: Double
    let message: String
    let startedAt: Date
    let resolvedAt: Date?
    let kind: AlertRule.Kind
    /// Whether its rule is platform-wide (the operator's).
    let platformWide: Bool
    let serverSlug: String
    let serverName: String
    let organizationID: Int64
    let organizationSlug: String
    let organizationName: String

    enum State: String, Sendable {
        case firing, resolved
    }

    /// The joins that fill it in; `a` is the alert, `s` its server.
    static let select = """
        SELECT a.id, a.rule_id, a.server_id, a.state, a.value, a.message, a.started_at, a.resolved_at, r.kind,
            r.organization_id AS rule_organization_id, s.slug AS server_slug, s.name AS server_name, o.id AS organization_id,
            o.slug AS organization_slug, o.name AS organization_name
        FROM alerts a JOIN alert_rules r ON r.id = a.rule_id JOIN mcp_servers s ON s.id = a.server_id
            JOIN organizations o ON o.id = s.organization_id
        """

    init(row: SQLRow) throws {
        id = try row.decode("id")
        ruleID = try row.decode("rule_id")
        serverID = try row.decode("server_id")
        state = try row.decode("state")
        value = try row.decode("value")
        message = try row.decode("message")
        startedAt = try row.decode("started_at")
        resolvedAt = try row.decode("resolved_at")
        kind = try row.decode("kind")
        platformWide = try row.decode("rule_organization_id", as: Int64?.self) == nil
        serverSlug = try row.decode("server_slug")
        serverName = try row.decode("server_name")
        organizationID = try row.decode("organization_id")
        organizationSlug = try row.decode("organization_slug")
        organizationName = try row.decode("organization_name")
    }
}
