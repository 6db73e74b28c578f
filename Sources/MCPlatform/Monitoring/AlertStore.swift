import Foundation

/// Alert rules and alerts in the database. Rules belong to an organization, or with
/// `organizationID` nil to the platform (the operator's); every rule query is confined to one
/// of them. Opening and resolving an alert are single conditional writes, so that instances
/// evaluating the same rule at once open it once and resolve it once.
struct AlertStore: Sendable {
    let database: any Database

    static let maximumRulesPerOwner = 50
    static let historyLength = 50

    // MARK: Rules

    /// The rules of the organization, or the platform-wide ones when nil, oldest first.
    func rules(organizationID: Int64?) async throws -> [AlertRule] {
        try await database.query("SELECT \(raw: AlertRule.columns) FROM alert_rules WHERE \(Self.owner(organizationID)) ORDER BY id")
            .map(AlertRule.init)
    }

    /// Every rule, for the evaluator.
    func allRules() async throws -> [AlertRule] {
        try await database.query("SELECT \(raw: AlertRule.columns) FROM alert_rules ORDER BY id").map(AlertRule.init)
    }

    func rule(id: Int64, organizationID: Int64?) async throws -> AlertRule? {
        try await database.first(
            "SELECT \(raw: AlertRule.columns) FROM alert_rules WHERE id = \(id) AND \(Self.owner(organizationID))"
        ).map(AlertRule.init)
    }

    /// Adds an enabled rule; nil when the owner has ``maximumRulesPerOwner`` already.
    func create(_ settings: AlertRule.Settings, organizationID: Int64?, now: Date = Date()) async throws -> AlertRule? {
        let count = try await database.one("SELECT COUNT(*) AS n FROM alert_rules WHERE \(Self.owner(organizationID))")
        guard try count.decode("n", as: Int64.self) < Self.maximumRulesPerOwner else { return nil }
        return try AlertRule(
            row: try await database.one(
                """
                INSERT INTO alert_rules (organization_id, server_id, kind, threshold, window_minutes, min_requests, notify_email, enabled,
                    created_at, updated_at)
                VALUES (\(organizationID), \(settings.serverID), \(settings.kind.rawValue), \(settings.threshold),
                    \(Int64(settings.windowMinutes)), \(Int64(settings.minRequests)), \(settings.notifyEmail), \(true), \(now), \(now))
                RETURNING \(raw: AlertRule.columns)
                """))
    }

    /// Changes a rule's settings; false when it is not the owner's.
    func update(id: Int64, organizationID: Int64?, settings: AlertRule.Settings, now: Date = Date()) async throws -> Bool {
        try await !database.query(
            """
            UPDATE alert_rules SET server_id = \(settings.serverID), kind = \(settings.kind.rawValue), threshold = \(settings.threshold),
                window_minutes = \(Int64(settings.windowMinutes)), min_requests = \(Int64(settings.minRequests)),
                notify_email = \(settings.notifyEmail), updated_at = \(now)
            WHERE id = \(id) AND \(Self.owner(organizationID)) RETURNING id
            """
        ).isEmpty
    }

    func setEnabled(_ enabled: Bool, id: Int64, organizationID: Int64?, now: Date = Date()) async throws -> Bool {
        try await !database.query(
            "UPDATE alert_rules SET enabled = \(enabled), updated_at = \(now) WHERE id = \(id) AND \(Self.owner(organizationID)) RETURNING id"
        ).isEmpty
    }

    /// Deletes a rule and its alerts; false when it is not the owner's.
    func delete(id: Int64, organizationID: Int64?) async throws -> Bool {
        try await !database.query("DELETE FROM alert_rules WHERE id = \(id) AND \(Self.owner(organizationID)) RETURNING id").isEmpty
    }

    // MARK: Alerts

    /// Alerts of the organization's servers (every server's when nil), newest first: the firing
    /// ones, or the last ``historyLength`` of any state.
    func alerts(organizationID: Int64?, firingOnly: Bool) async throws -> [Alert] {
        var conditions: [SQLStatement] = []
        if let organizationID { conditions.append("s.organization_id = \(organizationID)") }
        if firingOnly { conditions.append("a.state = 'firing'") }
        let filter: SQLStatement = conditions.isEmpty ? "" : " WHERE " + SQLStatement.joined(conditions, separator: " AND ")
        return try await database.query(
            "\(raw: Alert.select)\(filter) ORDER BY a.started_at DESC, a.id DESC LIMIT \(Int64(Self.historyLength))"
        ).map(Alert.init)
    }

    /// The firing alerts of every rule, as `(rule, server)` pairs.
    func firing() async throws -> Set<AlertKey> {
        Set(
            try await database.query("SELECT rule_id, server_id FROM alerts WHERE state = 'firing'").map {
                AlertKey(ruleID: try $0.decode("rule_id"), serverID: try $0.decode("server_id"))
            })
    }

    /// Opens an alert unless one of the rule fires for the server already (nil then: another
    /// instance opened it first).
    func open(_ key: AlertKey, value: Double, message: String, now: Date = Date()) async throws -> Alert? {
        guard
            let row = try await database.first(
                """
                INSERT INTO alerts (rule_id, server_id, state, value, message, started_at)
                VALUES (\(key.ruleID), \(key.serverID), 'firing', \(value), \(message), \(now))
                ON CONFLICT (rule_id, server_id) WHERE state = 'firing' DO NOTHING RETURNING id
                """)
        else { return nil }
        return try await alert(id: try row.decode("id"))
    }

    /// Resolves the firing alert of the rule for the server; nil when none was firing (or
    /// another instance resolved it first).
    func resolve(_ key: AlertKey, now: Date = Date()) async throws -> Alert? {
        guard
            let row = try await database.first(
                """
                UPDATE alerts SET state = 'resolved', resolved_at = \(now)
                WHERE rule_id = \(key.ruleID) AND server_id = \(key.serverID) AND state = 'firing' RETURNING id
                """)
        else { return nil }
        return try await alert(id: try row.decode("id"))
    }

    private func alert(id: Int64) async throws -> Alert? {
        try await database.first("\(raw: Alert.select) WHERE a.id = \(id)").map(Alert.init)
    }

    /// `organization_id = …`, or `organization_id IS NULL` for the platform's rules.
    private static func owner(_ organizationID: Int64?) -> SQLStatement {
        organizationID.map { "organization_id = \($0)" } ?? "organization_id IS NULL"
    }
}

/// A rule and a server: at most one alert of each fires at a time.
struct AlertKey: Hashable, Sendable {
    let ruleID: Int64
    let serverID: Int64
}
