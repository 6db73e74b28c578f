import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import MCPlatform

/// Uptime checks and alert rules on both backends: the evaluator's transitions and
/// de-duplication, each kind's measurement, the uptime claim, and the check against a real
/// running application. Serialized like the webhook suite (each test migrates a database).
@Suite(.serialized) struct MonitoringTests {
    /// Acme (owner Ada, a server, a webhook for alerts) and Globex (a server), without the
    /// platform-wide default rules (tests add the rules they measure).
    struct Fixture {
        let platform: Platform
        let acme: Organization
        let acmeServer: TenantServer
        let globexServer: TenantServer
        let webhook: Webhook
        var alerts: AlertStore { AlertStore(database: platform.database) }
        var uptime: UptimeStore { UptimeStore(database: platform.database) }

        static func run(_ backend: Backend, keepDefaults: Bool = false, _ body: (Fixture) async throws -> Void) async throws {
            try await backend.withDatabase { database in
                let platform = Platform.test(database: database) { $0.passwordHashCost = 4 }
                if !keepDefaults { try await database.query("DELETE FROM alert_rules") }
                let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
                let acmeServer = try await platform.tenancy.createServer(slug: Slug("acme-docs"), name: "Acme Docs", organization: acme)
                let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
                let globexServer = try await platform.tenancy.createServer(
                    slug: Slug("globex-docs"), name: "Globex Docs", organization: globex)
                let ada = try await platform.accounts.users.create(email: "ada@acme.dev", name: "Ada", password: "correct horse battery")
                try await platform.accounts.memberships.add(userID: ada.id, organizationID: acme.id, role: .owner)
                let settings = try Webhook.Settings(
                    url: "https://hooks.example.com/acme", format: "json", events: ["alert.firing", "alert.resolved"], allowHTTP: false)
                let (webhook, _) = try await WebhookStore(database: database, secretKey: platform.secretKey).create(
                    settings, organizationID: acme.id)
                try await body(
                    Fixture(platform: platform, acme: acme, acmeServer: acmeServer, globexServer: globexServer, webhook: webhook))
            }
        }

        /// Adds a rule of Acme (or platform-wide with `organizationID` nil) from form values.
        @discardableResult
        func rule(
            _ kind: AlertRule.Kind, threshold: String, window: String = "1", minRequests: String = "3", organization: Bool = true,
            email: Bool = true
        ) async throws -> AlertRule {
            var form = ["kind": kind.rawValue, "threshold": threshold, "window_minutes": window, "min_requests": minRequests]
            if email { form["notify_email"] = "on" }
            let settings = try AlertRule.Settings(form: form, servers: [acmeServer, globexServer])
            return try #require(try await alerts.create(settings, organizationID: organization ? acme.id : nil))
        }

        func evaluator() -> AlertEvaluator {
            AlertEvaluator(platform: platform, interval: .seconds(60), logger: .quiet)
        }

        /// The events queued for Acme's webhook, oldest first.
        func deliveries() async throws -> [WebhookDelivery] {
            try await WebhookStore(database: platform.database, secretKey: platform.secretKey).deliveries(
                webhookID: webhook.id, organizationID: acme.id
            ).reversed()
        }

        func emails(to address: String) async throws -> [String] {
            try await platform.database.query("SELECT subject FROM outbox_emails WHERE to_address = \(address) ORDER BY id").map {
                try $0.decode("subject")
            }
        }

        /// Records `count` MCP requests of Acme's server at `now`.
        func requests(_ count: Int, failed: Bool, milliseconds: Double = 20, at now: Date) {
            for _ in 0..<count {
                platform.requestStatistics.record(serverID: acmeServer.id, milliseconds: milliseconds, failed: failed, at: now)
            }
        }

        /// Records a completed uptime check of `server` in the minute of `now`.
        func check(_ server: TenantServer, ok: Bool, at now: Date) async throws {
            let minute = UptimeStore.minute(of: now)
            #expect(try await uptime.claim(serverID: server.id, minute: minute, now: now))
            try await uptime.record(
                .init(ok: ok, latencyMilliseconds: 12, httpStatus: ok ? 200 : 502, error: ok ? nil : "HTTP 502"), serverID: server.id,
                minute: minute, now: now)
        }
    }

    /// 2026-11-25 12:00:10 UTC: ten seconds into a minute.
    static let noon = Date(timeIntervalSince1970: 1_795_608_010)

    // MARK: Rules and their defaults

    @Test(arguments: Backend.available)
    func theMigrationSeedsThePlatformDefaults(backend: Backend) async throws {
        try await Fixture.run(backend, keepDefaults: true) { fixture in
            let defaults = try await fixture.alerts.rules(organizationID: nil)
            #expect(defaults.map(\.kind) == [.errorRate, .p95Latency, .ingestionFailure, .serverDown])
            #expect(defaults.map(\.threshold) == [1, 2000, 0, 3])
            #expect(defaults.allSatisfy { $0.enabled && $0.serverID == nil && $0.minRequests == 20 })
            #expect(defaults[0].condition == "Error rate > 1 % over 15 min (at least 20 requests)")
            #expect(try await fixture.alerts.rules(organizationID: fixture.acme.id).isEmpty)
        }
    }

    @Test func settingsReportEveryBadFieldAtOnce() {
        #expect(throws: AlertRuleError(fields: ["kind": "choose what the rule watches"])) {
            try AlertRule.Settings(form: ["kind": "cpu"], servers: [])
        }
        #expect(
            throws: AlertRuleError(fields: [
                "threshold": "enter percent from 0 to 100", "window_minutes": "enter a whole number from 1 to 10080",
                "min_requests": "enter a whole number from 1 to 1000000", "server": "choose one of the servers, or all of them",
            ])
        ) {
            try AlertRule.Settings(
                form: ["kind": "error_rate", "threshold": "101", "window_minutes": "0", "min_requests": "x", "server": "nope"], servers: [])
        }
        #expect(throws: AlertRuleError(fields: ["threshold": "enter how many failed checks in a row"])) {
            try AlertRule.Settings(form: ["kind": "server_down"], servers: [])
        }
        let ingestion = try? AlertRule.Settings(form: ["kind": "ingestion_failure", "threshold": "ignored"], servers: [])
        #expect(ingestion?.threshold == 0 && ingestion?.windowMinutes == 15 && ingestion?.notifyEmail == false)
    }

    // MARK: The evaluator

    @Test(arguments: Backend.available)
    func anAlertFiresOnceStaysQuietWhileFiringAndResolvesOnce(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            let rule = try await fixture.rule(.errorRate, threshold: "1")
            let evaluator = fixture.evaluator()
            fixture.requests(3, failed: false, at: Self.noon)
            fixture.requests(1, failed: true, at: Self.noon)
            var round = await evaluator.evaluate(now: Self.noon)
            let alert = try #require(round.opened.first)
            #expect(round.opened.count == 1 && round.resolved.isEmpty)
            #expect(alert.value == 25 && alert.state == .firing && alert.serverSlug == "acme-docs")
            #expect(alert.message == "Error rate 25.0 % over the last 1 min (1 of 4 requests failed); threshold 1 %")

            // Still failing, a few seconds later: nothing new, nothing sent again.
            fixture.requests(1, failed: true, at: Self.noon.addingTimeInterval(20))
            round = await evaluator.evaluate(now: Self.noon.addingTimeInterval(20))
            #expect(round.opened.isEmpty && round.resolved.isEmpty)
            #expect(try await fixture.deliveries().map(\.event) == ["alert.firing"])
            #expect(try await fixture.emails(to: "ada@acme.dev") == ["[Acme] FIRING: Error rate on Acme Docs"])

            // The next minute has no traffic: fewer requests than needed, so it resolves, once.
            let later = Self.noon.addingTimeInterval(60)
            round = await evaluator.evaluate(now: later)
            #expect(round.resolved.map(\.id) == [alert.id] && round.resolved.first?.resolvedAt == later)
            round = await evaluator.evaluate(now: later.addingTimeInterval(5))
            #expect(round.opened.isEmpty && round.resolved.isEmpty)
            let deliveries = try await fixture.deliveries()
            #expect(deliveries.map(\.event) == ["alert.firing", "alert.resolved"])
            #expect(try await fixture.emails(to: "ada@acme.dev").count == 2)

            let resolved = try AlertEvent.decode(json: deliveries[1].payload)
            #expect(resolved.event == .resolved && resolved.server.slug == "acme-docs" && resolved.organization.slug == "acme")
            #expect(resolved.rule.id == rule.id && resolved.rule.kind == "error_rate" && resolved.rule.threshold == 1)
            #expect(resolved.rule.scope == "organization" && resolved.rule.windowMinutes == 1 && resolved.rule.minRequests == 3)
            #expect(resolved.alert.value == 25 && resolved.alert.startedAt == Self.noon && resolved.alert.resolvedAt == later)
            #expect(resolved.alert.url == "http://localhost:8080/orgs/acme/alerts")
            #expect(try await fixture.alerts.alerts(organizationID: fixture.acme.id, firingOnly: false).map(\.state) == [.resolved])
        }
    }

    @Test(arguments: Backend.available)
    func twoEvaluatorsRacingOpenOneAlert(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await fixture.rule(.errorRate, threshold: "1")
            fixture.requests(5, failed: true, at: Self.noon)
            let first = fixture.evaluator()
            let second = fixture.evaluator()
            async let a = first.evaluate(now: Self.noon)
            async let b = second.evaluate(now: Self.noon)
            let (one, two) = await (a, b)
            #expect(one.opened.count + two.opened.count == 1)
            #expect(try await fixture.alerts.firing().count == 1)
            #expect(try await fixture.deliveries().count == 1)

            async let c = first.evaluate(now: Self.noon.addingTimeInterval(60))
            async let d = second.evaluate(now: Self.noon.addingTimeInterval(60))
            let (three, four) = await (c, d)
            #expect(three.resolved.count + four.resolved.count == 1)
            #expect(try await fixture.deliveries().map(\.event) == ["alert.firing", "alert.resolved"])
        }
    }

    @Test(arguments: Backend.available)
    func theErrorRateNeedsItsMinimumOfRequests(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await fixture.rule(.errorRate, threshold: "1", minRequests: "3")
            fixture.requests(2, failed: true, at: Self.noon)
            #expect(await fixture.evaluator().evaluate(now: Self.noon).opened.isEmpty)
            fixture.requests(1, failed: false, at: Self.noon)
            let opened = await fixture.evaluator().evaluate(now: Self.noon).opened
            #expect(opened.count == 1 && opened.first.map { abs($0.value - 200.0 / 3) < 0.001 } == true)
        }
    }

    @Test(arguments: Backend.available)
    func p95LatencyComesFromTheHistogram(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await fixture.rule(.p95Latency, threshold: "2000", minRequests: "20")
            // 19 fast requests and one slow: the 95th is in the ≤ 50 ms bucket.
            fixture.requests(19, failed: false, milliseconds: 30, at: Self.noon)
            fixture.requests(1, failed: false, milliseconds: 3000, at: Self.noon)
            #expect(await fixture.evaluator().evaluate(now: Self.noon).opened.isEmpty)
            // Two more slow ones (of 22): the 95th (rank 21) is in the ≤ 5000 ms bucket.
            fixture.requests(2, failed: false, milliseconds: 3000, at: Self.noon)
            let alert = try #require(await fixture.evaluator().evaluate(now: Self.noon).opened.first)
            #expect(alert.value == 5000 && alert.kind == .p95Latency)
            #expect(alert.message == "p95 latency ≤ 5000 ms over the last 1 min (22 requests); threshold 2000 ms")
        }
    }

    @Test func percentileBoundsAreTheBucketsUpperBounds() {
        var summary = RequestStatistics.Summary()
        summary.requests = 4
        summary.buckets[0] = 1
        summary.buckets[5] = 2
        summary.buckets[RequestStatistics.bucketBounds.count] = 1
        #expect(summary.percentileBound(0.25) == 1 && summary.percentileBound(0.5) == 50 && summary.percentileBound(0.95) == .infinity)
        #expect(summary.percentile(0.5) == "≤ 50 ms" && summary.percentile(0.95) == "> 5 s")
        #expect(RequestStatistics.Summary().percentileBound(0.5) == nil)
    }

    @Test(arguments: Backend.available)
    func serverDownFiresAfterNFailedChecksInARow(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await fixture.rule(.serverDown, threshold: "3")
            let evaluator = fixture.evaluator()
            try await fixture.check(fixture.acmeServer, ok: true, at: Self.noon)
            for minute in 1...2 {
                let now = Self.noon.addingTimeInterval(Double(minute) * 60)
                try await fixture.check(fixture.acmeServer, ok: false, at: now)
                #expect(await evaluator.evaluate(now: now).opened.isEmpty, "\(minute) failed checks")
            }
            let third = Self.noon.addingTimeInterval(180)
            try await fixture.check(fixture.acmeServer, ok: false, at: third)
            let alert = try #require(await evaluator.evaluate(now: third).opened.first)
            #expect(alert.value == 3 && alert.message == "The last 3 uptime checks failed in a row")
            let fourth = Self.noon.addingTimeInterval(240)
            try await fixture.check(fixture.acmeServer, ok: true, at: fourth)
            #expect(await evaluator.evaluate(now: fourth).resolved.map(\.id) == [alert.id])
        }
    }

    @Test(arguments: Backend.available)
    func aFailedIngestionFiresUntilOneSucceeds(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await fixture.rule(.ingestionFailure, threshold: "", window: "60")
            let database = fixture.platform.database
            let source: Int64 = try await database.one(
                """
                INSERT INTO doc_sources (server_id, kind, location, version, created_at)
                VALUES (\(fixture.acmeServer.id), 'folder', '/docs', 'latest', \(Self.noon)) RETURNING id
                """
            ).decode("id")
            func job(_ status: String, finished: Date) async throws {
                try await database.query(
                    """
                    INSERT INTO ingest_jobs (server_id, source_id, status, error, created_at, finished_at)
                    VALUES (\(fixture.acmeServer.id), \(source), \(status), \(status == "failed" ? "crawl refused" : nil), \(finished), \(finished))
                    """)
            }
            let evaluator = fixture.evaluator()
            #expect(await evaluator.evaluate(now: Self.noon).opened.isEmpty)
            try await job("failed", finished: Self.noon)
            let alert = try #require(await evaluator.evaluate(now: Self.noon).opened.first)
            #expect(alert.value == 1 && alert.message.hasSuffix("failed: crawl refused"))
            try await job("succeeded", finished: Self.noon.addingTimeInterval(30))
            #expect(await evaluator.evaluate(now: Self.noon.addingTimeInterval(30)).resolved.count == 1)
        }
    }

    @Test(arguments: Backend.available)
    func rulesCoverTheirServersOnlyAndTurningOneOffResolvesItsAlerts(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            let organizationRule = try await fixture.rule(.serverDown, threshold: "1")
            let platformRule = try await fixture.rule(.serverDown, threshold: "1", organization: false)
            try await fixture.check(fixture.acmeServer, ok: false, at: Self.noon)
            try await fixture.check(fixture.globexServer, ok: false, at: Self.noon)
            let opened = await fixture.evaluator().evaluate(now: Self.noon).opened
            // Acme's rule covers Acme's server; the platform's covers both.
            #expect(
                Set(opened.map { "\($0.ruleID) \($0.serverSlug)" }) == [
                    "\(organizationRule.id) acme-docs", "\(platformRule.id) acme-docs", "\(platformRule.id) globex-docs",
                ])
            // Acme's webhook gets Acme's alerts only (both rules), never Globex's.
            #expect(try await fixture.deliveries().count == 2)
            #expect(try await fixture.alerts.alerts(organizationID: fixture.acme.id, firingOnly: true).count == 2)
            // Platform-wide alerts email no organization member (there is no operator here).
            #expect(try await fixture.emails(to: "ada@acme.dev").count == 1)

            #expect(try await fixture.alerts.setEnabled(false, id: organizationRule.id, organizationID: fixture.acme.id))
            let resolved = await fixture.evaluator().evaluate(now: Self.noon.addingTimeInterval(1)).resolved
            #expect(resolved.map(\.ruleID) == [organizationRule.id])
            // Another organization cannot touch Acme's rule.
            #expect(try await !fixture.alerts.delete(id: organizationRule.id, organizationID: nil))
            #expect(try await fixture.alerts.rule(id: organizationRule.id, organizationID: fixture.globexServer.organizationID) == nil)
        }
    }

    // MARK: Uptime

    @Test(arguments: Backend.available)
    func uptimeCountsCompletedChecks(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            let server = fixture.acmeServer
            #expect(try await fixture.uptime.uptime(serverID: server.id, since: Self.noon.addingTimeInterval(-86400)).formatted == "—")
            for minute in 0..<4 { try await fixture.check(server, ok: minute != 2, at: Self.noon.addingTimeInterval(Double(minute) * 60)) }
            // A claimed check without its outcome yet does not count.
            #expect(try await fixture.uptime.claim(serverID: server.id, minute: UptimeStore.minute(of: Self.noon) + 4))
            let day = try await fixture.uptime.uptime(serverID: server.id, since: Self.noon.addingTimeInterval(-86400))
            #expect(day == .init(checks: 4, up: 3) && day.formatted == "75.00 %")
            #expect(try await fixture.uptime.latest(serverID: server.id, limit: 2) == [true, false])
            try await fixture.uptime.purge(before: Self.noon.addingTimeInterval(120))
            #expect(try await fixture.uptime.uptime(serverID: server.id, since: .distantPast) == .init(checks: 2, up: 1))
        }
    }

    /// Runs `body` with a checker of `fixture`'s platform against its real application on a port.
    func withLiveApplication(_ fixture: Fixture, _ body: @escaping @Sendable (UptimeChecker, any TestClientProtocol) async throws -> Void)
        async throws
    {
        try await Application(
            router: buildRouter(platform: fixture.platform), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .quiet
        ).test(.live) { client in
            let checker = UptimeChecker(
                platform: fixture.platform, interval: .seconds(60), baseURL: "http://127.0.0.1:\(client.port!)", logger: .quiet)
            try await body(checker, client)
        }
    }

    @Test(arguments: Backend.available)
    func theCheckOfARunningServerIsUpAndCountsInNoNumbers(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await withLiveApplication(fixture) { checker, client in
                let result = await checker.check(fixture.acmeServer)
                #expect(result.ok && result.httpStatus == 200 && result.error == nil, "\(result)")
                try await fixture.platform.requestStatistics.flush(to: fixture.platform.database)
                try await fixture.platform.events.flush(to: fixture.platform.database)
                let database = fixture.platform.database
                #expect(try await database.query("SELECT * FROM request_minutes").isEmpty, "the check's requests are not counted")
                #expect(try await database.query("SELECT * FROM mcp_events").isEmpty, "nor recorded for analytics")
                #expect(try await database.query("SELECT * FROM mcp_sessions").isEmpty, "the check's session is gone")

                // The same request without the mark counts (so the test above can fail).
                _ = try await client.execute(
                    uri: "/mcp/acme-docs", method: .post,
                    headers: [.contentType: "application/json", .accept: "application/json, text/event-stream"],
                    body: ByteBuffer(string: UptimeChecker.initializeBody))
                try await fixture.platform.requestStatistics.flush(to: database)
                try await fixture.platform.events.flush(to: database)
                let counted: Int64 = try await database.one("SELECT SUM(requests) AS n FROM request_minutes").decode("n")
                #expect(counted == 1)
                #expect(try await database.query("SELECT * FROM mcp_events WHERE method = 'initialize'").count == 1)

                // A server that requires sign-in answers 401 with WWW-Authenticate: up.
                try await fixture.platform.tenancy.setAuthMode(.oauth, serverID: fixture.globexServer.id)
                let oauth = await checker.check(try #require(try await fixture.platform.tenancy.server(slug: "globex-docs")))
                #expect(oauth.ok && oauth.httpStatus == 401, "\(oauth)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func eachServerIsCheckedOncePerMinuteWhicheverInstanceClaimsIt(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await withLiveApplication(fixture) { checker, _ in
                let other = UptimeChecker(platform: fixture.platform, interval: .seconds(60), baseURL: checker.baseURL, logger: .quiet)
                let now = Date()
                #expect(await checker.checkAll(now: now) == 2)
                #expect(await other.checkAll(now: now) == 0, "the second instance skips the claimed minute")
                let up = try await fixture.uptime.uptime(serverID: fixture.acmeServer.id, since: now.addingTimeInterval(-60))
                #expect(up == .init(checks: 1, up: 1))
                #expect(await other.checkAll(now: now.addingTimeInterval(60)) == 2, "the next minute is anyone's")
            }
        }
    }

    @Test func aClosedPortIsDown() async throws {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database)
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("acme-docs"), name: "Acme Docs", organization: organization)
            let checker = UptimeChecker(platform: platform, interval: .seconds(60), baseURL: "http://127.0.0.1:1", logger: .quiet)
            let result = await checker.check(server)
            #expect(!result.ok && result.httpStatus == nil && result.error?.isEmpty == false, "\(result)")
        }
    }

    @Test func onlyTheKeyedMarkMakesARequestSynthetic() async throws {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database)
            func request(_ mark: String?) -> Request {
                var headers: HTTPFields = [:]
                if let mark { headers[.mcplatformSynthetic] = mark }
                return Request(
                    head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/mcp/x", headerFields: headers),
                    body: .init(buffer: ByteBuffer()))
            }
            #expect(platform.syntheticToken.count == 64)
            #expect(platform.isSynthetic(request(platform.syntheticToken)))
            #expect(!platform.isSynthetic(request(nil)))
            #expect(!platform.isSynthetic(request(String(platform.syntheticToken.dropLast()) + "0")))
            #expect(!platform.isSynthetic(request("uptime-check")))
        }
    }

    @Test func checksAnswerWithAJSONRPCResultInJSONOrAnEventStream() {
        #expect(UptimeChecker.hasResult(#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25"}}"#))
        #expect(UptimeChecker.hasResult("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"))
        #expect(!UptimeChecker.hasResult(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"no"}}"#))
        #expect(!UptimeChecker.hasResult("<html>ok</html>"))
    }

    // MARK: Settings and payloads

    @Test func settingsAreValidated() throws {
        var configuration = try AppConfiguration(
            flags: [.uptimeIntervalSeconds: "5", .alertIntervalSeconds: "2", .uptimeCheckURL: "http://10.0.0.5:8080/"], environment: [:])
        #expect(configuration.uptimeInterval == 5 && configuration.alertInterval == 2)
        #expect(configuration.uptimeBaseURL == "http://10.0.0.5:8080")
        configuration = try AppConfiguration(
            flags: [.host: "0.0.0.0", .port: "9000"], environment: ["MCPLATFORM_ALERT_INTERVAL_SECONDS": "30"])
        #expect(
            configuration.uptimeBaseURL == "http://127.0.0.1:9000" && configuration.alertInterval == 30
                && configuration.uptimeInterval == 60)
        configuration = try AppConfiguration(flags: [.host: "::1"], environment: [:])
        #expect(configuration.uptimeBaseURL == "http://[::1]:8080")
        for (setting, value) in [
            (AppConfiguration.Setting.uptimeIntervalSeconds, "0"), (.alertIntervalSeconds, "3601"), (.uptimeCheckURL, "ftp://lb"),
            (.uptimeCheckURL, "http://lb:8080/?x=1"),
        ] {
            #expect(throws: ConfigurationError.self) { try AppConfiguration(flags: [setting: value], environment: [:]) }
        }
    }

    @Test(arguments: Backend.available)
    func alertPayloadsReadWellInSlack(backend: Backend) async throws {
        try await Fixture.run(backend) { fixture in
            try await fixture.rule(.serverDown, threshold: "1")
            try await fixture.check(fixture.acmeServer, ok: false, at: Self.noon)
            let alert = try #require(await fixture.evaluator().evaluate(now: Self.noon).opened.first)
            let payload = try #require(try await fixture.deliveries().first).payload
            #expect(payload.contains(#""event":"alert.firing""#) && payload.contains(#""resolved_at""#) == false)
            let body = WebhookRequest.body(format: .slack, payload: payload)
            let text = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])["text"]
            #expect(
                text
                    == "[FIRING] The last 1 uptime checks failed on *Acme Docs* (acme-docs): The last 1 uptime checks failed in a row. <http://localhost:8080/orgs/acme/alerts|Alerts of Acme>"
            )
            #expect(alert.message == "The last 1 uptime checks failed in a row")
        }
    }
}
