import Foundation
import Hummingbird
import Logging

/// An organization's webhooks for ticket and alert events: listed for every member; added, changed,
/// turned on and off, tested, replayed and deleted by owners and admins. A webhook's secret is
/// shown once, when it is made (added, or rotated).
struct WebhookPages: Sendable {
    let dashboard: Dashboard
    var store: WebhookStore { WebhookStore(database: dashboard.platform.database, secretKey: dashboard.platform.secretKey) }
    /// Plain `http` URLs are accepted where the platform may reach private networks.
    var allowHTTP: Bool { dashboard.platform.configuration.ingestLimits.allowPrivateNetworks }

    static let deliveriesPerPage = 50

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/orgs/{org}/webhooks") { request, context in try await list(request, context) }
        router.post("/orgs/{org}/webhooks") { request, context in try await create(request, context) }
        router.get("/orgs/{org}/webhooks/{id}") { request, context in try await show(request, context) }
        router.post("/orgs/{org}/webhooks/{id}") { request, context in try await save(request, context) }
        router.post("/orgs/{org}/webhooks/{id}/enable") { request, context in try await setEnabled(true, request, context) }
        router.post("/orgs/{org}/webhooks/{id}/disable") { request, context in try await setEnabled(false, request, context) }
        router.post("/orgs/{org}/webhooks/{id}/rotate-secret") { request, context in try await rotateSecret(request, context) }
        router.post("/orgs/{org}/webhooks/{id}/test") { request, context in try await sendTest(request, context) }
        router.post("/orgs/{org}/webhooks/{id}/delete") { request, context in try await delete(request, context) }
        router.post("/orgs/{org}/webhooks/{id}/deliveries/{delivery}/replay") { request, context in try await replay(request, context) }
    }

    // MARK: The list

    private func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        return try await listPage(visitor, membership, notice: Notice(request))
    }

    private func listPage(
        _ visitor: Visitor, _ membership: Membership, form: [String: String]? = nil, error: WebhookError? = nil, notice: Notice? = nil
    ) async throws -> Response {
        let base = Self.base(membership)
        let webhooks = try await store.webhooks(organizationID: membership.organization.id)
        var values: [String: Any] = [
            "webhooks": webhooks.map { webhook -> [String: Any] in
                var row = Self.summary(webhook)
                row["pageURL"] = "\(base)/\(webhook.id)"
                row["lastDelivery"] =
                    webhook.lastDeliveryStatus.map { "\($0.rawValue), \(MemberPages.format(webhook.lastDeliveryAt ?? webhook.createdAt))" }
                    ?? "none yet"
                return row
            },
            "canManage": membership.role.canManageServers, "createURL": base, "alertsURL": "/orgs/\(membership.organization.slug)/alerts",
            "atLimit": webhooks.count >= WebhookStore.maximumPerOrganization, "limit": WebhookStore.maximumPerOrganization,
            "errors": error.map { [$0.field: $0.description] } ?? [:],
        ]
        values.merge(Self.settingsFields(form ?? Self.newForm)) { _, new in new }
        return render("webhooks", values, visitor, membership, title: "Webhooks", notice: notice, failed: error != nil)
    }

    private func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, form) = try await change(request, context, what: "add webhooks")
        do {
            let (webhook, secret) = try await store.create(try settings(form), organizationID: membership.organization.id)
            context.logger.info(
                "webhook added", metadata: ["organization": .string(membership.organization.slug), "webhook.id": "\(webhook.id)"])
            return try await webhookPage(visitor, membership, webhook, newSecret: secret, notice: .created)
        } catch let error as WebhookError {
            return try await listPage(visitor, membership, form: form, error: error)
        }
    }

    // MARK: One webhook

    private func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        let webhook = try await webhook(membership, context)
        let before = request.uri.queryParameters.get("before").flatMap(Int64.init)
        return try await webhookPage(visitor, membership, webhook, before: before, notice: Notice(request))
    }

    private func webhookPage(
        _ visitor: Visitor, _ membership: Membership, _ webhook: Webhook, form: [String: String]? = nil, error: WebhookError? = nil,
        newSecret: String? = nil, before: Int64? = nil, notice: Notice? = nil
    ) async throws -> Response {
        let url = "\(Self.base(membership))/\(webhook.id)"
        let canManage = membership.role.canManageServers
        let deliveries = try await store.deliveries(
            webhookID: webhook.id, organizationID: membership.organization.id, before: before, limit: Self.deliveriesPerPage)
        var values: [String: Any] = [
            "webhook": Self.summary(webhook), "url": url, "canManage": canManage, "listURL": Self.base(membership),
            "errors": error.map { [$0.field: $0.description] } ?? [:],
            "deliveries": deliveries.map { Self.row($0, replayURL: "\(url)/deliveries/\($0.id)/replay", canManage: canManage) },
            "isOlderPage": before != nil,
        ]
        values["newSecret"] = newSecret
        if deliveries.count == Self.deliveriesPerPage, let oldest = deliveries.last { values["olderURL"] = "\(url)?before=\(oldest.id)" }
        values.merge(Self.settingsFields(form ?? Self.form(url: webhook.url, format: webhook.format, events: webhook.events))) { _, new in
            new
        }
        return render("webhook", values, visitor, membership, title: "Webhook", notice: notice, failed: error != nil)
    }

    private func save(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, form) = try await change(request, context, what: "change webhooks")
        let webhook = try await webhook(membership, context)
        do {
            _ = try await store.update(id: webhook.id, organizationID: membership.organization.id, settings: try settings(form))
            return redirect(membership, webhook, .saved)
        } catch let error as WebhookError {
            return try await webhookPage(visitor, membership, webhook, form: form, error: error)
        }
    }

    private func setEnabled(_ enabled: Bool, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, _) = try await change(request, context, what: "turn webhooks on or off")
        let webhook = try await webhook(membership, context)
        _ = try await store.setEnabled(
            enabled, reason: "Turned off by \(visitor.user.name).", id: webhook.id, organizationID: membership.organization.id)
        return redirect(membership, webhook, enabled ? .enabled : .disabled)
    }

    private func rotateSecret(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, _) = try await change(request, context, what: "rotate webhook secrets")
        let webhook = try await webhook(membership, context)
        guard let secret = try await store.rotateSecret(id: webhook.id, organizationID: membership.organization.id) else {
            throw dashboard.notFound()
        }
        context.logger.info(
            "webhook secret rotated", metadata: ["organization": .string(membership.organization.slug), "webhook.id": "\(webhook.id)"])
        return try await webhookPage(visitor, membership, webhook, newSecret: secret, notice: .rotated)
    }

    private func sendTest(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, membership, _) = try await change(request, context, what: "send test events")
        let webhook = try await webhook(membership, context)
        let platform = dashboard.platform
        let event = SupportEvent.test(
            organization: membership.organization,
            server: try await platform.tenancy.servers(organizationID: membership.organization.id).first,
            webhookURL: platform.configuration.publicOrigin + "\(Self.base(membership))/\(webhook.id)")
        _ = try await store.queue(event, webhookID: webhook.id, organizationID: membership.organization.id)
        return redirect(membership, webhook, webhook.enabled ? .testQueued : .testQueuedWhileOff)
    }

    private func replay(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, membership, _) = try await change(request, context, what: "replay deliveries")
        let webhook = try await webhook(membership, context)
        guard let deliveryID = context.parameters.get("delivery").flatMap(Int64.init),
            try await store.replay(deliveryID: deliveryID, webhookID: webhook.id, organizationID: membership.organization.id) != nil
        else { throw dashboard.notFound() }
        return redirect(membership, webhook, webhook.enabled ? .replayed : .replayedWhileOff)
    }

    private func delete(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, membership, _) = try await change(request, context, what: "delete webhooks")
        let webhook = try await webhook(membership, context)
        _ = try await store.delete(id: webhook.id, organizationID: membership.organization.id)
        context.logger.info(
            "webhook deleted", metadata: ["organization": .string(membership.organization.slug), "webhook.id": "\(webhook.id)"])
        return PageResponse.redirect(Self.base(membership) + "?notice=\(Notice.deleted.rawValue)").response
    }

    // MARK: Helpers

    /// A change: 403 for members, then the form after its CSRF check.
    private func change(_ request: Request, _ context: AppRequestContext, what: String) async throws -> (
        Visitor, Membership, [String: String]
    ) {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: what)
        return (visitor, membership, try await dashboard.form(request, visitor: visitor))
    }

    /// The organization's webhook in the path; 404 when unknown or another organization's.
    private func webhook(_ membership: Membership, _ context: AppRequestContext) async throws -> Webhook {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let webhook = try await store.webhook(id: id, organizationID: membership.organization.id)
        else { throw dashboard.notFound() }
        return webhook
    }

    private func settings(_ form: [String: String]) throws(WebhookError) -> Webhook.Settings {
        let events = form.keys.filter { $0.hasPrefix(Self.eventFieldPrefix) }.map { String($0.dropFirst(Self.eventFieldPrefix.count)) }
        return try Webhook.Settings(url: form["url"] ?? "", format: form["format"] ?? "", events: events, allowHTTP: allowHTTP)
    }

    private func render(
        _ template: String, _ values: [String: Any], _ visitor: Visitor, _ membership: Membership, title: String, notice: Notice?,
        failed: Bool
    ) -> Response {
        var values = values
        if let notice { values["flash"] = ["kind": "success", "text": notice.text] }
        return dashboard.render(
            template, values, visitor: visitor, membership: membership, title: title, section: "webhooks",
            status: failed ? .unprocessableContent : .ok)
    }

    private func redirect(_ membership: Membership, _ webhook: Webhook, _ notice: Notice) -> Response {
        PageResponse.redirect("\(Self.base(membership))/\(webhook.id)?notice=\(notice.rawValue)").response
    }

    private static func base(_ membership: Membership) -> String {
        "/orgs/\(membership.organization.slug)/webhooks"
    }

    /// A checkbox per event is named `event:<name>`.
    static let eventFieldPrefix = "event:"

    /// The add form's values at first: JSON, every event.
    private static let newForm = form(format: .json, events: WebhookEvent.allCases)

    /// The settings form's values: a webhook's as stored, or the add form's at first.
    private static func form(url: String = "", format: Webhook.Format, events: [WebhookEvent]) -> [String: String] {
        var form = ["url": url, "format": format.rawValue]
        for event in events { form[eventFieldPrefix + event.rawValue] = "on" }
        return form
    }

    /// What the settings fields (the `webhook_fields` partial) show: `form`'s values.
    private static func settingsFields(_ form: [String: String]) -> [String: Any] {
        [
            "fields": ["url": form["url"] ?? ""],
            "formats": Webhook.Format.allCases.map {
                ["value": $0.rawValue, "label": $0.label, "selected": form["format"] == $0.rawValue]
            },
            "eventChoices": WebhookEvent.allCases.map {
                [
                    "name": eventFieldPrefix + $0.rawValue, "id": "event-" + $0.rawValue.replacingOccurrences(of: ".", with: "-"),
                    "value": $0.rawValue, "label": $0.label, "checked": form[eventFieldPrefix + $0.rawValue] != nil,
                ]
            },
        ]
    }

    private static func summary(_ webhook: Webhook) -> [String: Any] {
        var values: [String: Any] = [
            "id": webhook.id, "url": webhook.url, "format": webhook.format.label, "enabled": webhook.enabled,
            "events": webhook.events.map(\.rawValue).joined(separator: ", "), "failures": webhook.consecutiveFailures,
            "created": MemberPages.format(webhook.createdAt),
        ]
        values["disabledReason"] = webhook.disabledReason
        return values
    }

    private static func row(_ delivery: WebhookDelivery, replayURL: String, canManage: Bool) -> [String: Any] {
        var values: [String: Any] = [
            "id": delivery.id, "created": MemberPages.format(delivery.createdAt), "event": delivery.event, "test": delivery.isTest,
            "status": delivery.status.rawValue, "attempts": delivery.attempts,
            "responseStatus": delivery.responseStatus.map(String.init) ?? "–",
            "log": delivery.attemptLog.enumerated().map {
                ["number": $0.offset + 1, "at": MemberPages.format($0.element.at), "summary": $0.element.summary]
            },
            "hasLog": !delivery.attemptLog.isEmpty, "replayURL": replayURL, "canManage": canManage,
        ]
        values["error"] = delivery.error
        values["responseBody"] = delivery.responseBody
        values["nextAttempt"] = delivery.nextAttemptAt.map(MemberPages.format)
        return values
    }

    /// What a page says after a change redirected to it.
    enum Notice: String, PageNotice {
        case created, saved, enabled, disabled, rotated, deleted, replayed
        case testQueued = "test-queued", testQueuedWhileOff = "test-queued-off", replayedWhileOff = "replayed-off"

        var text: String {
            switch self {
            case .created: "Webhook added. Copy its secret now: it is not shown again."
            case .saved: "Settings saved."
            case .enabled: "Webhook turned on: its failure count starts again from zero."
            case .disabled: "Webhook turned off: no events are queued for it until it is on again."
            case .rotated: "New secret made. Copy it now: it is not shown again, and the old one no longer signs deliveries."
            case .deleted: "Webhook deleted."
            case .replayed: "Queued again: it is sent within seconds."
            case .testQueued: "Test event queued: it is sent within seconds."
            case .testQueuedWhileOff, .replayedWhileOff: "Queued, but this webhook is off: it is sent once you turn it on."
            }
        }
    }
}
