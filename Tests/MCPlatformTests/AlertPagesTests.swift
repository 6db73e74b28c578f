import Foundation
import HTTPTypes
import Testing

@testable import MCPlatform

/// The alerts pages through the router: an organization's rules (owners and admins edit,
/// members read, other organizations 404, CSRF on every form, escaped values), the operator's
/// platform-wide rules, and uptime on the server's overview.
@Suite(.serialized) struct AlertPagesTests {
    typealias Harness = DashboardHarness

    /// Ada owns Acme (server `acme-docs`): the webhook pages' fixture.
    static func acme(_ harness: Harness) async throws -> Browser {
        try await WebhookPagesTests.acme(harness)
    }

    static let goodForm = [
        "kind": "error_rate", "server": "acme-docs", "threshold": "2.5", "window_minutes": "10", "min_requests": "5", "notify_email": "on",
    ]

    /// Adds a rule through the form; returns its page's path.
    static func add(_ browser: Browser) async throws -> String {
        let page = try await browser.submit("/orgs/acme/alerts", goodForm)
        try #require(page.location == "/orgs/acme/alerts?notice=created", "\(page.status) \(page.html)")
        let list = try await browser.get("/orgs/acme/alerts")
        return try #require(Self.ruleLink(list.html))
    }

    /// The first rule's link on a list page.
    static func ruleLink(_ html: String) -> String? {
        guard let range = html.range(of: #"class="rule-link" href=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test(arguments: Backend.available)
    func ownersAddChangeTurnOffAndDeleteRules(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.acme(harness)
            let list = try await ada.get("/orgs/acme/alerts")
            #expect(list.status == .ok && list.has(id: "add-alert-rule"))
            #expect(list.html.contains(#"<a href="/orgs/acme/alerts" id="nav-alerts" aria-current="page">Alerts</a>"#))
            #expect(list.html.contains("Error rate &gt; 1 % over 15 min (at least 20 requests)"), "the platform's defaults, read-only")
            #expect(!list.html.contains("/operator/alerts/rules/"), "no links to edit them")

            // Bad input: every field's reason, and what was typed, escaped.
            var page = try await ada.submit(
                "/orgs/acme/alerts",
                ["kind": "error_rate", "threshold": "<script>alert(1)</script>", "window_minutes": "0", "min_requests": "5"])
            #expect(page.status == .unprocessableContent)
            #expect(Set(page.fieldErrors) == ["enter percent from 0 to 100", "enter a whole number from 1 to 10080"])
            #expect(page.inputValue("threshold") == "<script>alert(1)</script>" && !page.html.contains("<script>alert(1)"))
            page = try await ada.submit("/orgs/acme/alerts", ["kind": "error_rate", "threshold": "1", "server": "globex-docs"])
            #expect(page.fieldErrors == ["choose one of the servers, or all of them"])
            #expect(try await harness.count("alert_rules", where: "organization_id IS NOT NULL") == 0)

            let path = try await Self.add(ada)
            page = try await ada.get(path)
            #expect(page.status == .ok && page.text(ofID: "rule-condition") == "Error rate > 2.5 % over 10 min (at least 5 requests)")
            #expect(page.inputValue("threshold") == "2.5" && page.html.contains(#"<option value="acme-docs" selected>"#))

            page = try await ada.submit(path, ["kind": "server_down", "threshold": "5", "server": ""])
            #expect(page.location == "\(path)?notice=saved")
            page = try await ada.follow(page)
            #expect(page.text(ofID: "rule-condition") == "The last 5 uptime checks failed" && page.flash?.text == "Rule saved.")
            #expect(!page.html.contains(#"name="notify_email" type="checkbox" checked"#), "unchecked: email off")

            #expect(try await ada.submit(path, to: path + "/disable", [:]).location == "\(path)?notice=disabled")
            #expect(try await harness.count("alert_rules", where: "organization_id IS NOT NULL AND enabled = 0") == 1)
            #expect(try await ada.submit(path, to: path + "/enable", [:]).location == "\(path)?notice=enabled")
            #expect(try await ada.submit(path, to: path + "/delete", [:]).location == "/orgs/acme/alerts?notice=deleted")
            #expect(try await harness.count("alert_rules", where: "organization_id IS NOT NULL") == 0)
            #expect(try await ada.get(path).status == .notFound)
        }
    }

    @Test(arguments: Backend.available)
    func membersReadOtherOrganizationsSeeNothingAndFormsNeedTheirToken(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.acme(harness)
            let path = try await Self.add(ada)
            let grace = try await harness.member("grace@example.com", as: .member, of: "acme", invitedBy: ada)
            let list = try await grace.get("/orgs/acme/alerts")
            #expect(list.status == .ok && !list.has(id: "add-alert-rule") && Self.ruleLink(list.html) == path)
            let page = try await grace.get(path)
            #expect(page.status == .ok && !page.has(id: "alert-rule-settings"))
            #expect(try await grace.post("/orgs/acme/alerts", Self.goodForm).status == .forbidden)
            for action in ["", "/disable", "/delete"] {
                #expect(try await grace.post(path + action, Self.goodForm).status == .forbidden, "\(action)")
            }

            // A form without its token, or with another's, is refused.
            for csrf in [Browser.CSRF.omitted, .value("forged")] {
                _ = try await ada.get(path)
                #expect(try await ada.post(path + "/delete", csrf: csrf).status == .forbidden)
            }

            let bob = try await harness.owner("bob@example.com", organization: "Bobco", slug: "bobco")
            #expect(try await bob.get("/orgs/acme/alerts").status == .notFound)
            #expect(try await bob.get(path).status == .notFound)
            let foreign = path.replacingOccurrences(of: "/orgs/acme/", with: "/orgs/bobco/")
            #expect(try await bob.get(foreign).status == .notFound)
            for action in ["", "/disable", "/delete"] {
                _ = try await bob.get("/orgs/bobco/alerts")
                #expect(try await bob.post(foreign + action, Self.goodForm).status == .notFound, "\(action)")
            }
            #expect(try await harness.count("alert_rules", where: "organization_id IS NOT NULL AND enabled = 1") == 1)
            #expect(try await bob.get("/operator/alerts").status == .notFound, "not an operator")
        }
    }

    @Test(arguments: Backend.available)
    func operatorsEditThePlatformWideRulesAndSeeEveryFiringAlert(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.acme(harness)
            let database = harness.platform.database
            try await database.query("UPDATE users SET is_operator = \(true) WHERE email = 'ada@example.com'")
            var page = try await ada.get("/operator/alerts")
            #expect(page.status == .ok && !page.html.contains(#"id="nav-alerts""#))
            let rules = try await AlertStore(database: database).rules(organizationID: nil)
            #expect(rules.count == 4 && rules.allSatisfy { page.html.contains(#"href="/operator/alerts/rules/\#($0.id)""#) })

            let errorRate = "/operator/alerts/rules/\(rules[0].id)"
            _ = try await ada.get(errorRate)
            page = try await ada.submit(errorRate, ["kind": "error_rate", "threshold": "2", "window_minutes": "30", "min_requests": "50"])
            #expect(page.location == "\(errorRate)?notice=saved")
            #expect(
                try await AlertStore(database: database).rule(id: rules[0].id, organizationID: nil)?.condition
                    == "Error rate > 2 % over 30 min (at least 50 requests)")
            #expect(try await ada.get("/operator/alerts/rules/\(rules[0].id + 100)").status == .notFound)

            // A firing alert of Acme's server shows with its organization.
            let server = try #require(try await harness.platform.tenancy.server(slug: "acme-docs"))
            let key = AlertKey(ruleID: rules[3].id, serverID: server.id)
            _ = try await AlertStore(database: database).open(key, value: 3, message: "The last 3 uptime checks failed in a row")
            page = try await ada.get("/operator/alerts")
            #expect(
                page.html.contains("<td>Acme</td><td><code>acme-docs</code></td><td>Server down <span class=\"muted\">(platform)</span>"))
            #expect(try await ada.get("/operator").html.contains("1 firing"))
            // The organization sees it too, among its own alerts.
            #expect(try await ada.get("/orgs/acme/alerts").html.contains("The last 3 uptime checks failed in a row"))
        }
    }

    @Test(arguments: Backend.available)
    func theOverviewShowsUptime(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.acme(harness)
            var page = try await ada.get("/orgs/acme/servers/acme-docs")
            #expect(page.text(ofID: "uptime-24h") == "—" && page.text(ofID: "uptime-30d") == "—")
            let server = try #require(try await harness.platform.tenancy.server(slug: "acme-docs"))
            let store = UptimeStore(database: harness.platform.database)
            let minute = UptimeStore.minute(of: Date())
            for (offset, ok) in [(1, true), (2, true), (3, true), (4, false)] {
                _ = try await store.claim(serverID: server.id, minute: minute - Int64(offset))
                try await store.record(
                    .init(ok: ok, latencyMilliseconds: 5, httpStatus: nil, error: nil), serverID: server.id, minute: minute - Int64(offset))
            }
            page = try await ada.get("/orgs/acme/servers/acme-docs")
            #expect(page.text(ofID: "uptime-24h") == "75.00 %" && page.text(ofID: "uptime-7d") == "75.00 %")
            try await harness.platform.database.query("UPDATE users SET is_operator = \(true) WHERE email = 'ada@example.com'")
            #expect(try await ada.get("/operator").html.contains("uptime 24 h 75.00 %, 7 d 75.00 %, 30 d 75.00 %"))
        }
    }
}
