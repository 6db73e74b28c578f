import Foundation
import Hummingbird
import Logging

/// Alert rules and alerts. `/orgs/{org}/alerts`: the organization's rules (added, changed,
/// turned on and off and deleted by owners and admins; read by members), the platform-wide
/// rules that apply to its servers (read-only), and its servers' firing alerts and recent
/// history. `/operator/alerts`: the same for the platform-wide rules (operators only; 404 for
/// everyone else), with the firing alerts of every organization.
struct AlertPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }
    var store: AlertStore { AlertStore(database: platform.database) }

    /// Whose rules a request is about, and who asks.
    struct Scope: Sendable {
        let visitor: Visitor
        /// The organization's membership; nil for the operator's platform-wide rules.
        let membership: Membership?
        let canManage: Bool
        /// The servers its rules may name.
        let servers: [TenantServer]

        var organizationID: Int64? { membership?.organization.id }
        var base: String { membership.map { "/orgs/\($0.organization.slug)/alerts" } ?? "/operator/alerts" }
    }

    private typealias Resolver = @Sendable (Request, AppRequestContext) async throws -> Scope

    func addRoutes(to router: Router<AppRequestContext>) {
        let scopes: [(String, Resolver)] = [
            ("/orgs/{org}/alerts", { request, context in try await organizationScope(request, context) }),
            ("/operator/alerts", { request, _ in try await operatorScope(request) }),
        ]
        for (base, scope) in scopes {
            router.get(RouterPath(base)) { request, context in try await list(try await scope(request, context), notice: Notice(request)) }
            router.post(RouterPath(base)) { request, context in try await create(request, context, try await scope(request, context)) }
            router.get(RouterPath(base + "/rules/{id}")) { request, context in
                let scope = try await scope(request, context)
                return rulePage(scope, try await rule(scope, context), notice: Notice(request))
            }
            router.post(RouterPath(base + "/rules/{id}")) { request, context in
                try await save(request, context, try await scope(request, context))
            }
            for (action, enabled) in [("enable", true), ("disable", false)] {
                router.post(RouterPath(base + "/rules/{id}/" + action)) { request, context in
                    try await setEnabled(enabled, request, context, try await scope(request, context))
                }
            }
            router.post(RouterPath(base + "/rules/{id}/delete")) { request, context in
                try await delete(request, context, try await scope(request, context))
            }
        }
    }

    private func organizationScope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let (visitor, membership) = try await dashboard.member(request, context)
        return Scope(
            visitor: visitor, membership: membership, canManage: membership.role.canManageServers,
            servers: try await platform.tenancy.servers(organizationID: membership.organization.id))
    }

    private func operatorScope(_ request: Request) async throws -> Scope {
        let visitor = try await dashboard.requireVisitor(request)
        guard visitor.user.isOperator else { throw dashboard.notFound() }
        return Scope(visitor: visitor, membership: nil, canManage: true, servers: try await platform.tenancy.servers())
    }

    // MARK: Pages

    private func list(_ scope: Scope, form: [String: String]? = nil, error: AlertRuleError? = nil, notice: Notice? = nil) async throws
        -> Response
    {
        var values: [String: Any] = [
            "rules": try await store.rules(organizationID: scope.organizationID).map { row($0, scope) },
            "firing": try await store.alerts(organizationID: scope.organizationID, firingOnly: true).map { row($0, scope) },
            "history": try await store.alerts(organizationID: scope.organizationID, firingOnly: false).map { row($0, scope) },
            "canManage": scope.canManage, "createURL": scope.base, "isOperator": scope.membership == nil,
            "historyLength": AlertStore.historyLength, "errors": error?.fields ?? [:],
        ]
        if scope.membership != nil {
            let serverIDs = Set(scope.servers.map(\.id))
            values["platformRules"] = try await store.rules(organizationID: nil).filter {
                $0.enabled && ($0.serverID.map(serverIDs.contains) ?? true)
            }.map { row($0, scope) }
        }
        values.merge(Self.fields(form ?? Self.newForm, servers: scope.servers)) { _, new in new }
        return render("alerts", values, scope, title: "Alerts", notice: notice, failed: error != nil)
    }

    private func rulePage(
        _ scope: Scope, _ rule: AlertRule, form: [String: String]? = nil, error: AlertRuleError? = nil, notice: Notice? = nil
    )
        -> Response
    {
        var values: [String: Any] = [
            "rule": row(rule, scope), "canManage": scope.canManage, "listURL": scope.base, "errors": error?.fields ?? [:],
        ]
        values.merge(Self.fields(form ?? Self.form(of: rule, servers: scope.servers), servers: scope.servers)) { _, new in new }
        return render("alert_rule", values, scope, title: "Alert rule", notice: notice, failed: error != nil)
    }

    // MARK: Changes

    private func create(_ request: Request, _ context: AppRequestContext, _ scope: Scope) async throws -> Response {
        let form = try await change(request, scope, what: "add alert rules")
        do {
            let settings = try AlertRule.Settings(form: form, servers: scope.servers)
            guard let rule = try await store.create(settings, organizationID: scope.organizationID) else {
                throw AlertRuleError(fields: ["kind": "at most \(AlertStore.maximumRulesPerOwner) rules: delete one first"])
            }
            context.logger.info("alert rule added", metadata: ["alert.rule": "\(rule.id)"])
            return PageResponse.redirect("\(scope.base)?notice=\(Notice.created.rawValue)").response
        } catch let error as AlertRuleError {
            return try await list(scope, form: form, error: error)
        }
    }

    private func save(_ request: Request, _ context: AppRequestContext, _ scope: Scope) async throws -> Response {
        let form = try await change(request, scope, what: "change alert rules")
        let rule = try await rule(scope, context)
        do {
            let settings = try AlertRule.Settings(form: form, servers: scope.servers)
            _ = try await store.update(id: rule.id, organizationID: scope.organizationID, settings: settings)
            return redirect(scope, rule, .saved)
        } catch let error as AlertRuleError {
            return rulePage(scope, rule, form: form, error: error)
        }
    }

    private func setEnabled(_ enabled: Bool, _ request: Request, _ context: AppRequestContext, _ scope: Scope) async throws -> Response {
        _ = try await change(request, scope, what: "turn alert rules on or off")
        let rule = try await rule(scope, context)
        _ = try await store.setEnabled(enabled, id: rule.id, organizationID: scope.organizationID)
        return redirect(scope, rule, enabled ? .enabled : .disabled)
    }

    private func delete(_ request: Request, _ context: AppRequestContext, _ scope: Scope) async throws -> Response {
        _ = try await change(request, scope, what: "delete alert rules")
        let rule = try await rule(scope, context)
        _ = try await store.delete(id: rule.id, organizationID: scope.organizationID)
        context.logger.info("alert rule deleted", metadata: ["alert.rule": "\(rule.id)"])
        return PageResponse.redirect("\(scope.base)?notice=\(Notice.deleted.rawValue)").response
    }

    // MARK: Helpers

    /// A change: 403 for those who may only read, then the form after its CSRF check.
    private func change(_ request: Request, _ scope: Scope, what: String) async throws -> [String: String] {
        if let membership = scope.membership { try dashboard.require(scope.canManage, scope.visitor, membership, what: what) }
        return try await dashboard.form(request, visitor: scope.visitor)
    }

    /// The scope's rule in the path; 404 when unknown or someone else's.
    private func rule(_ scope: Scope, _ context: AppRequestContext) async throws -> AlertRule {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let rule = try await store.rule(id: id, organizationID: scope.organizationID)
        else { throw dashboard.notFound() }
        return rule
    }

    private func render(_ template: String, _ values: [String: Any], _ scope: Scope, title: String, notice: Notice?, failed: Bool)
        -> Response
    {
        var values = values
        if let notice { values["flash"] = ["kind": "success", "text": notice.text] }
        return dashboard.render(
            template, values, visitor: scope.visitor, membership: scope.membership, title: title, section: "alerts",
            status: failed ? .unprocessableContent : .ok)
    }

    private func redirect(_ scope: Scope, _ rule: AlertRule, _ notice: Notice) -> Response {
        PageResponse.redirect("\(scope.base)/rules/\(rule.id)?notice=\(notice.rawValue)").response
    }

    private func row(_ rule: AlertRule, _ scope: Scope) -> [String: Any] {
        [
            "id": rule.id, "kind": rule.kind.label, "condition": rule.condition, "enabled": rule.enabled, "notifyEmail": rule.notifyEmail,
            "server": rule.serverID.flatMap { id in scope.servers.first { $0.id == id }?.slug } ?? "All servers",
            "url": "\(scope.base)/rules/\(rule.id)", "scope": rule.isPlatformWide ? "platform" : "organization",
        ]
    }

    private func row(_ alert: Alert, _ scope: Scope) -> [String: Any] {
        [
            "id": alert.id, "kind": alert.kind.label, "server": alert.serverSlug, "organization": alert.organizationName,
            "state": alert.state.rawValue, "firing": alert.state == .firing, "message": alert.message,
            "started": MemberPages.format(alert.startedAt), "resolved": alert.resolvedAt.map(MemberPages.format) ?? "—",
            "scope": alert.platformWide ? "platform" : "organization",
        ]
    }

    /// The add form at first: error rate over 1 % in 15 minutes, email on.
    private static let newForm = [
        "kind": AlertRule.Kind.errorRate.rawValue, "threshold": "1", "window_minutes": "15", "min_requests": "20", "notify_email": "on",
    ]

    private static func form(of rule: AlertRule, servers: [TenantServer]) -> [String: String] {
        var form = [
            "kind": rule.kind.rawValue, "threshold": AlertRule.number(rule.threshold), "window_minutes": String(rule.windowMinutes),
            "min_requests": String(rule.minRequests),
            "server": rule.serverID.flatMap { id in servers.first { $0.id == id }?.slug } ?? "",
        ]
        if rule.notifyEmail { form["notify_email"] = "on" }
        return form
    }

    /// What the `alert_rule_fields` partial shows: `form`'s values.
    private static func fields(_ form: [String: String], servers: [TenantServer]) -> [String: Any] {
        let server = form["server"] ?? ""
        return [
            "fields": [
                "threshold": form["threshold"] ?? "", "window": form["window_minutes"] ?? "", "minRequests": form["min_requests"] ?? "",
            ],
            "kinds": AlertRule.Kind.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": form["kind"] == $0.rawValue] },
            "serverChoices": [["value": "", "label": "All servers", "selected": server.isEmpty]]
                + servers.map { ["value": $0.slug, "label": "\($0.slug) (\($0.organizationName))", "selected": server == $0.slug] },
            "notifyEmail": form["notify_email"] != nil,
        ]
    }

    /// What a page says after a change redirected to it.
    enum Notice: String, PageNotice {
        case created, saved, enabled, disabled, deleted

        var text: String {
            switch self {
            case .created: "Rule added: it is evaluated within a minute."
            case .saved: "Rule saved."
            case .enabled: "Rule turned on."
            case .disabled: "Rule turned off: its firing alerts are resolved at the next evaluation."
            case .deleted: "Rule deleted, with its alerts."
            }
        }
    }
}
