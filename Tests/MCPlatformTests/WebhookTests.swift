import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import MCPlatform

/// A local HTTP server standing in for customers' webhook endpoints: it records every request
/// and answers by path.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let path: String
        let headers: HTTPFields
        let body: String

        func header(_ name: String) -> [String] { headers[values: HTTPField.Name(name)!] }
        var deliveryID: String? { header("X-MCPlatform-Delivery").first }
    }

    private let received = Mutex<[Received]>([])
    /// How many times each path was asked for.
    private let hits = Mutex<[String: Int]>([:])

    var all: [Received] { received.withLock { $0 } }
    func requests(to path: String) -> [Received] { all.filter { $0.path == path } }

    /// - `/ok`: 200. `/flaky`: 500 the first time, then 200. `/fail`: 500 with a long body.
    /// - `/redirect`: 302 to `/ok`. `/slow`: 200 after 3 seconds.
    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/{endpoint}") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let path = request.uri.path
            self.received.withLock { $0.append(Received(path: path, headers: request.headers, body: String(buffer: body))) }
            let hit = self.hits.withLock { hits in
                hits[path, default: 0] += 1
                return hits[path]!
            }
            switch path {
            case "/ok": return Self.answer(.ok, "thanks")
            case "/flaky": return hit == 1 ? Self.answer(.internalServerError, "boom") : Self.answer(.ok, "second time lucky")
            case "/fail": return Self.answer(.internalServerError, String(repeating: "x", count: 5000))
            case "/redirect": return Response(status: .found, headers: [.location: "/ok"])
            case "/slow":
                try await Task.sleep(for: .seconds(3))
                return Self.answer(.ok, "too late")
            default: return Self.answer(.notFound, "no such endpoint")
            }
        }
        return router
    }

    static func answer(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Runs the receiver on a loopback port while `body` runs with its base URL.
    func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .quiet)
            .test(.live) { client in try await body("http://127.0.0.1:\(client.port!)") }
    }
}

/// The webhook store, queue and sender (against a real local HTTP server), on both backends.
/// Serialized: each test migrates a database, and run in parallel with the other suites they
/// exhausted the PostgreSQL test cluster's lock table (`max_locks_per_transaction`).
@Suite(.serialized) struct WebhookTests {
    /// A platform with two organizations, Acme (with a server) and Globex.
    struct Fixture {
        let platform: Platform
        let acme: Organization
        let globex: Organization
        var store: WebhookStore { WebhookStore(database: platform.database, secretKey: platform.secretKey) }
        var queue: WebhookQueue { WebhookQueue(database: platform.database) }

        static func run(_ backend: Backend, _ body: (Fixture) async throws -> Void) async throws {
            try await backend.withDatabase { database in
                let platform = Platform.test(database: database)
                let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
                _ = try await platform.tenancy.createServer(slug: Slug("acme-docs"), name: "Acme Docs", organization: acme)
                let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
                try await body(Fixture(platform: platform, acme: acme, globex: globex))
            }
        }

        /// Runs `body` with a fixture and a ``WebhookReceiver`` on loopback, at the base URL passed.
        static func run(
            _ backend: Backend, _ body: @escaping @Sendable (Fixture, WebhookReceiver, String) async throws -> Void
        ) async throws {
            let receiver = WebhookReceiver()
            try await receiver.serve { base in try await run(backend) { try await body($0, receiver, base) } }
        }

        /// Adds an Acme webhook (http allowed).
        func webhook(
            _ url: String, format: Webhook.Format = .json, events: [SupportEvent.Name] = SupportEvent.Name.allCases,
            organization: Organization? = nil
        ) async throws -> (Webhook, secret: String) {
            let settings = try Webhook.Settings(url: url, format: format.rawValue, events: events.map(\.rawValue), allowHTTP: true)
            return try await store.create(settings, organizationID: (organization ?? acme).id)
        }

        /// Queues the sample event for Acme's webhooks now; returns when that was.
        func enqueue() async throws -> Date {
            let now = Date()
            try await queue.enqueue(WebhookTests.event(), organizationID: acme.id, now: now)
            return now
        }

        /// A sender of this platform's queue, with a one-second backoff base.
        func sender(allowPrivateNetworks: Bool = true, timeout: TimeAmount = .seconds(10)) -> WebhookSender {
            var sender = WebhookSender(
                queue: queue, secretKey: platform.secretKey, http: OutboundHTTP(allowPrivateNetworks: allowPrivateNetworks, caFile: nil),
                retryBase: 1, logger: .quiet)
            sender.timeout = timeout
            return sender
        }

        func deliveries(_ webhook: Webhook) async throws -> [WebhookDelivery] {
            try await store.deliveries(webhookID: webhook.id, organizationID: webhook.organizationID)
        }

        func reload(_ webhook: Webhook) async throws -> Webhook {
            try #require(try await store.webhook(id: webhook.id, organizationID: webhook.organizationID))
        }
    }

    static func event(_ name: SupportEvent.Name = .ticketCreated, number: Int = 7, title: String = "Install fails on Windows")
        -> SupportEvent
    {
        var event = SupportEvent(
            event: name, occurredAt: Date(timeIntervalSince1970: 1_796_000_000), organization: .init(slug: "acme", name: "Acme"),
            server: .init(slug: "acme-docs", name: "Acme Docs"),
            ticket: .init(
                number: number, title: title, description: "The installer stops with exit code 3.\nLogs attached.", status: .pending,
                priority: .high, severity: .high, url: "https://mcp.example.com/orgs/acme/tickets/\(number)",
                reporterEmail: "ada@example.com", createdAt: Date(timeIntervalSince1970: 1_796_000_000)))
        if name == .ticketCommented { event.comment = .init(body: "Try the 2.1 installer.", isPublic: true, author: "Grace") }
        if name == .ticketStatusChanged { event.change = .init(from: .pending, to: .resolved, author: "Grace") }
        return event
    }

    // MARK: Settings and the store

    @Test(arguments: [
        ("", false, "enter the URL to POST events to"),
        ("hooks.example.com/x", false, "enter a full URL such as https://hooks.example.com/mcplatform"),
        ("ftp://hooks.example.com/x", false, "the URL must start with https://"),
        ("http://hooks.example.com/x", false, "the URL must start with https://"),
        ("https://user:pass@hooks.example.com/x", false, "enter a full URL such as https://hooks.example.com/mcplatform"),
        ("https://hooks.example.com/" + String(repeating: "a", count: 1990), false, "at most 2000 characters"),
        ("javascript:alert(1)", true, "enter a full URL such as https://hooks.example.com/mcplatform"),
    ])
    func badURLsAreRefused(url: String, allowHTTP: Bool, reason: String) {
        #expect(throws: WebhookError.url(reason)) {
            try Webhook.Settings(url: url, format: "json", events: ["ticket.created"], allowHTTP: allowHTTP)
        }
    }

    @Test func settingsAreValidated() throws {
        let settings = try Webhook.Settings(
            url: "  https://hooks.example.com/in  ", format: "slack", events: ["ticket.status_changed", "ticket.created"], allowHTTP: false)
        #expect(settings.url == "https://hooks.example.com/in")
        #expect(settings.format == .slack)
        #expect(settings.events == [.ticketCreated, .ticketStatusChanged])
        #expect(
            try Webhook.Settings(url: "http://127.0.0.1:9/x", format: "json", events: ["ticket.created"], allowHTTP: true).url
                == "http://127.0.0.1:9/x")
        #expect(throws: WebhookError.format) {
            try Webhook.Settings(url: "https://h.example.com", format: "xml", events: ["ticket.created"], allowHTTP: false)
        }
        #expect(throws: WebhookError.events) {
            try Webhook.Settings(url: "https://h.example.com", format: "json", events: [], allowHTTP: false)
        }
        #expect(throws: WebhookError.events) {
            try Webhook.Settings(
                url: "https://h.example.com", format: "json", events: ["ticket.created", "ticket.deleted"], allowHTTP: false)
        }
    }

    @Test(arguments: Backend.available)
    func storeKeepsSecretsSealedAndOrganizationsApart(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            let (hook, secret) = try await f.webhook("https://hooks.example.com/acme", events: [.ticketCreated])
            #expect(secret.hasPrefix("whsec_") && secret.count == 6 + 43)
            #expect(hook.enabled && hook.events == [.ticketCreated] && hook.lastDeliveryStatus == nil)
            let stored: String = try await f.platform.database.one("SELECT secret FROM webhooks WHERE id = \(hook.id)").decode("secret")
            #expect(!stored.contains(secret))
            #expect(try f.platform.secretKey.open(stored, purpose: WebhookStore.secretPurpose) == secret)

            // Globex sees none of it and can change none of it.
            let globex = f.globex.id
            #expect(try await f.store.webhooks(organizationID: globex).isEmpty)
            #expect(try await f.store.webhook(id: hook.id, organizationID: globex) == nil)
            let other = try Webhook.Settings(url: "https://evil.example.com", format: "json", events: ["ticket.created"], allowHTTP: false)
            #expect(try await !f.store.update(id: hook.id, organizationID: globex, settings: other))
            #expect(try await !f.store.setEnabled(false, id: hook.id, organizationID: globex))
            #expect(try await f.store.rotateSecret(id: hook.id, organizationID: globex) == nil)
            #expect(try await f.store.queue(Self.event(), webhookID: hook.id, organizationID: globex) == nil)
            let delivery = try #require(try await f.store.queue(Self.event(), webhookID: hook.id, organizationID: f.acme.id))
            #expect(try await f.store.deliveries(webhookID: hook.id, organizationID: globex).isEmpty)
            #expect(try await f.store.replay(deliveryID: delivery.id, webhookID: hook.id, organizationID: globex) == nil)
            #expect(try await !f.store.delete(id: hook.id, organizationID: globex))
            #expect(try await f.reload(hook).url == "https://hooks.example.com/acme")

            // Acme can: a new secret replaces the old one.
            let rotated = try #require(try await f.store.rotateSecret(id: hook.id, organizationID: f.acme.id))
            #expect(rotated != secret && rotated.hasPrefix("whsec_"))
            #expect(try await f.reload(hook).lastDeliveryStatus == .pending)
            #expect(try await f.store.delete(id: hook.id, organizationID: f.acme.id))
            #expect(try await f.store.webhooks(organizationID: f.acme.id).isEmpty)
            #expect(try await f.store.deliveries(webhookID: hook.id, organizationID: f.acme.id).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func anOrganizationHasAtMostTenWebhooks(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            for index in 1...WebhookStore.maximumPerOrganization { _ = try await f.webhook("https://hooks.example.com/\(index)") }
            await #expect(throws: WebhookError.limit) { try await f.webhook("https://hooks.example.com/11") }
            _ = try await f.webhook("https://hooks.example.com/globex", organization: f.globex)
        }
    }

    @Test(arguments: Backend.available)
    func eventsAreQueuedForEnabledSubscribedWebhooksOfTheOrganization(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            let created = try await f.webhook("https://a.example.com", events: [.ticketCreated])
            let commented = try await f.webhook("https://b.example.com", events: [.ticketCommented, .ticketStatusChanged])
            let off = try await f.webhook("https://c.example.com", events: [.ticketCreated])
            _ = try await f.store.setEnabled(false, reason: "Turned off by Ada.", id: off.0.id, organizationID: f.acme.id)
            let globex = try await f.webhook("https://d.example.com", events: [.ticketCreated], organization: f.globex)

            #expect(try await f.queue.enqueue(Self.event(.ticketCreated), organizationID: f.acme.id) == 1)
            #expect(try await f.queue.enqueue(Self.event(.ticketStatusChanged), organizationID: f.acme.id) == 1)
            #expect(try await f.deliveries(created.0).map(\.event) == ["ticket.created"])
            #expect(try await f.deliveries(commented.0).map(\.event) == ["ticket.status_changed"])
            #expect(try await f.deliveries(off.0).isEmpty)
            #expect(try await f.deliveries(globex.0).isEmpty)
            let off2 = try await f.reload(off.0)
            #expect(!off2.enabled && off2.disabledReason == "Turned off by Ada.")
        }
    }

    // MARK: The request

    @Test func slackMessagesAreOneReadableParagraph() throws {
        let created = WebhookRequest.slackText(Self.event(title: "<script>alert(1)</script> & more"))
        #expect(
            created
                == "New support ticket <https://mcp.example.com/orgs/acme/tickets/7|#7 &lt;script&gt;alert(1)&lt;/script&gt; &amp; more> on *Acme Docs* (high severity, from ada@example.com): The installer stops with exit code 3. Logs attached."
        )
        #expect(
            WebhookRequest.slackText(Self.event(.ticketCommented))
                == "Grace replied to <https://mcp.example.com/orgs/acme/tickets/7|#7 Install fails on Windows> on *Acme Docs*: Try the 2.1 installer."
        )
        #expect(
            WebhookRequest.slackText(Self.event(.ticketStatusChanged))
                == "Grace moved <https://mcp.example.com/orgs/acme/tickets/7|#7 Install fails on Windows> on *Acme Docs* from Pending to Resolved."
        )
        let body = WebhookRequest.body(format: .slack, payload: Self.event().json())
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(body.utf8))
        #expect(decoded.keys.sorted() == ["text"] && decoded["text"]?.hasPrefix("New support ticket <https://") == true)
        #expect(WebhookRequest.body(format: .json, payload: Self.event().json()) == Self.event().json())
    }

    @Test(arguments: Backend.available)
    func theTestEventIsMarkedAndTheOthersAreNot(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            let server = try await f.platform.tenancy.server(slug: "acme-docs")
            let event = SupportEvent.test(
                organization: f.acme, server: server, webhookURL: "https://mcp.example.com/orgs/acme/webhooks/1",
                now: Date(timeIntervalSince1970: 1_796_000_000))
            #expect(event.json().contains("\"test\":true"))
            #expect(event.event == .ticketCreated && event.server.slug == "acme-docs" && event.organization.slug == "acme")
            #expect(try SupportEvent.decode(json: event.json()) == event)
            #expect(!Self.event().json().contains("\"test\""))
            #expect(
                WebhookRequest.slackText(event).hasPrefix(
                    "[Test event] New support ticket <https://mcp.example.com/orgs/acme/webhooks/1|#0 "))
        }
    }

    // MARK: The sender, against a real HTTP server

    @Test(arguments: Backend.available)
    func deliveriesAreSignedAndCarryTheirHeaders(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (json, secret) = try await f.webhook(base + "/ok")
            let (slack, slackSecret) = try await f.webhook(base + "/flaky", format: .slack)
            try await f.queue.enqueue(Self.event(), organizationID: f.acme.id)
            let now = Date()
            await f.sender().deliverDue(at: now)

            let request = try #require(receiver.requests(to: "/ok").first)
            #expect(request.body == Self.event().json())
            #expect(request.header("Content-Type") == ["application/json"])
            #expect(request.header("User-Agent") == ["MCPlatform-Webhooks/1"])
            #expect(request.header("X-MCPlatform-Event") == ["ticket.created"])
            let delivery = try #require(try await f.deliveries(json).first)
            #expect(request.deliveryID == String(delivery.id))
            try Self.verifySignature(request, secret: secret, now: now)
            #expect(throws: (any Error).self) { try Self.verifySignature(request, secret: slackSecret, now: now) }

            #expect(delivery.status == .delivered && delivery.attempts == 1 && delivery.nextAttemptAt == nil)
            #expect(delivery.responseStatus == 200 && delivery.responseBody == "thanks" && delivery.error == nil)
            #expect(delivery.deliveredAt != nil && delivery.attemptLog.map(\.summary) == ["HTTP 200"])
            #expect(try await f.reload(json).lastDeliveryStatus == .delivered)

            let slackRequest = try #require(receiver.requests(to: "/flaky").first)
            try Self.verifySignature(slackRequest, secret: slackSecret, now: now)
            let text = try JSONDecoder().decode([String: String].self, from: Data(slackRequest.body.utf8))["text"]
            #expect(text == WebhookRequest.slackText(Self.event()))
            _ = slack
        }
    }

    /// What docs/support.md tells receivers to do, written independently of the platform's code.
    static func verifySignature(_ request: WebhookReceiver.Received, secret: String, now: Date) throws {
        struct BadSignature: Error {}
        let header = try #require(request.header("X-MCPlatform-Signature").first)
        let parts = Dictionary(
            uniqueKeysWithValues: header.split(separator: ",").map { part in
                let pair = part.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair[1]))
            })
        let timestamp = try #require(parts["t"].flatMap(Int.init))
        #expect(abs(Double(timestamp) - now.timeIntervalSince1970) < 300)
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).\(request.body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let hex = expected.map { String(format: "%02x", $0) }.joined()
        guard parts["v1"] == hex else { throw BadSignature() }
    }

    @Test(arguments: Backend.available)
    func aFailedAttemptIsRetriedAfterTheBackoff(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (hook, _) = try await f.webhook(base + "/flaky")
            let start = try await f.enqueue()
            let sender = f.sender()
            await sender.deliverDue(at: start)
            var delivery = try #require(try await f.deliveries(hook).first)
            #expect(delivery.status == .pending && delivery.attempts == 1)
            #expect(delivery.responseStatus == 500 && delivery.responseBody == "boom")
            #expect(delivery.nextAttemptAt == Date(timeIntervalSince1970: (start.timeIntervalSince1970 * 1000).rounded() / 1000 + 1))
            #expect(try await f.reload(hook).consecutiveFailures == 1)

            await sender.deliverDue(at: start.addingTimeInterval(0.5))  // not due yet
            #expect(receiver.requests(to: "/flaky").count == 1)
            await sender.deliverDue(at: start.addingTimeInterval(1))
            #expect(receiver.requests(to: "/flaky").count == 2)
            delivery = try #require(try await f.deliveries(hook).first)
            #expect(delivery.status == .delivered && delivery.attempts == 2 && delivery.responseBody == "second time lucky")
            #expect(delivery.attemptLog.map(\.summary) == ["HTTP 500", "HTTP 200"])
            #expect(try await f.reload(hook).consecutiveFailures == 0)
            // Both attempts were the same delivery.
            #expect(Set(receiver.requests(to: "/flaky").map(\.deliveryID)) == [String(delivery.id)])
        }
    }

    @Test func backoffDoublesUpToAnHour() {
        #expect((1...9).map { WebhookSender.retryDelay(afterAttempt: $0, base: 30) } == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600])
        #expect(WebhookSender.retryDelay(afterAttempt: 1, base: 1) == 1)
    }

    @Test(arguments: Backend.available)
    func aDeliveryIsGivenUpAfterEightAttempts(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (hook, _) = try await f.webhook(base + "/fail")
            let start = try await f.enqueue()
            for hour in 0..<10 { await f.sender().deliverDue(at: start.addingTimeInterval(Double(hour) * 3600)) }
            #expect(receiver.requests(to: "/fail").count == WebhookSender.maximumAttempts)
            let delivery = try #require(try await f.deliveries(hook).first)
            #expect(delivery.status == .failed && delivery.attempts == 8 && delivery.nextAttemptAt == nil)
            #expect(delivery.responseStatus == 500 && delivery.responseBody == String(repeating: "x", count: 2048))
            let webhook = try await f.reload(hook)
            #expect(webhook.enabled && webhook.consecutiveFailures == 8 && webhook.lastDeliveryStatus == .failed)
        }
    }

    @Test(arguments: Backend.available)
    func redirectsTimeoutsAndPrivateAddressesAreFailedAttempts(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (redirect, _) = try await f.webhook(base + "/redirect")
            let (slow, _) = try await f.webhook(base + "/slow")
            let (tls, _) = try await f.webhook(base.replacingOccurrences(of: "http:", with: "https:") + "/ok")
            let now = try await f.enqueue()
            await f.sender(timeout: .seconds(1)).deliverDue(at: now)

            let redirected = try #require(try await f.deliveries(redirect).first)
            #expect(redirected.status == .pending && redirected.attempts == 1 && redirected.responseStatus == 302)
            #expect(redirected.error == "redirect to /ok (not followed)")
            #expect(receiver.requests(to: "/ok").isEmpty, "the redirect is not followed")
            let timedOut = try #require(try await f.deliveries(slow).first)
            #expect(timedOut.status == .pending && timedOut.attempts == 1 && timedOut.responseStatus == nil)
            #expect(timedOut.error == "127.0.0.1 did not answer within 1 s")
            let handshake = try #require(try await f.deliveries(tls).first)
            #expect(handshake.error?.hasPrefix("the TLS handshake with 127.0.0.1 failed") == true, "\(handshake.error ?? "")")

            // Without --allow-private-urls nothing is sent to loopback.
            let (guarded, _) = try await f.webhook(base + "/ok", events: [.ticketCommented])
            try await f.queue.enqueue(Self.event(.ticketCommented), organizationID: f.acme.id, now: now)
            await f.sender(allowPrivateNetworks: false).deliverDue(at: now)
            let refused = try #require(try await f.deliveries(guarded).first)
            #expect(refused.status == .pending && refused.error == "127.0.0.1 is a private, loopback or unresolvable address")
            #expect(receiver.requests(to: "/ok").isEmpty)
        }
    }

    /// A database that never answers (PostgreSQL dropped or failed over): its queries wait until cancelled.
    struct UnansweringDatabase: Database {
        var dialect: SQLDialect { .postgres }
        func query(_ statement: SQLStatement) async throws -> [SQLRow] {
            try await Task.sleep(for: .seconds(3600))
            return []
        }
        func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T { try await body(self) }
        func ping() async throws {}
        func close() async {}
    }

    @Test(.timeLimit(.minutes(1))) func shutdownIsNotHeldUpByADatabaseThatDoesNotAnswer() async throws {
        let sender = WebhookSender(
            queue: WebhookQueue(database: UnansweringDatabase()), secretKey: try SecretKey(base64: Data(count: 32).base64EncodedString()),
            http: OutboundHTTP(allowPrivateNetworks: false, caFile: nil), retryBase: 1, logger: .quiet)
        let group = ServiceGroup(services: [sender], logger: .quiet)
        async let running: Void = group.run()
        try await Task.sleep(for: .milliseconds(200))  // the first claim is waiting
        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test(arguments: Backend.available)
    func aClosedPortIsAFailedAttempt(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            let (hook, _) = try await f.webhook("http://127.0.0.1:9/closed")
            let now = try await f.enqueue()
            await f.sender().deliverDue(at: now)
            let delivery = try #require(try await f.deliveries(hook).first)
            #expect(delivery.status == .pending && delivery.attempts == 1 && delivery.responseStatus == nil)
            #expect(delivery.error == "127.0.0.1 refused the connection")
        }
    }

    @Test(arguments: Backend.available)
    func fifteenFailedAttemptsInARowTurnTheWebhookOff(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (hook, _) = try await f.webhook(base + "/fail")
            let now = Date()
            for number in 1...WebhookSender.disableAfter {
                try await f.queue.enqueue(Self.event(number: number), organizationID: f.acme.id, now: now)
            }
            await f.sender().deliverDue(at: now)
            var webhook = try await f.reload(hook)
            #expect(!webhook.enabled && webhook.consecutiveFailures == 15)
            #expect(webhook.disabledReason == "Turned off after 15 failed attempts in a row (the last: HTTP 500).")

            // Off: nothing more is queued or sent, not even what was queued before.
            #expect(try await f.queue.enqueue(Self.event(number: 99), organizationID: f.acme.id) == 0)
            await f.sender().deliverDue(at: now.addingTimeInterval(3600))
            #expect(receiver.requests(to: "/fail").count == 15)

            // On again: the count starts from zero and the queue moves again.
            #expect(try await f.store.setEnabled(true, id: hook.id, organizationID: f.acme.id))
            webhook = try await f.reload(hook)
            #expect(webhook.enabled && webhook.consecutiveFailures == 0 && webhook.disabledReason == nil)
            await f.sender().deliverDue(at: now.addingTimeInterval(3600))
            #expect(receiver.requests(to: "/fail").count == 30)
        }
    }

    @Test(arguments: Backend.available)
    func replayQueuesTheSamePayloadAsANewDelivery(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (hook, secret) = try await f.webhook(base + "/ok")
            try await f.queue.enqueue(Self.event(), organizationID: f.acme.id)
            await f.sender().deliverDue()
            let original = try #require(try await f.deliveries(hook).first)
            let replay = try #require(try await f.store.replay(deliveryID: original.id, webhookID: hook.id, organizationID: f.acme.id))
            #expect(replay.id != original.id && replay.payload == original.payload && replay.status == .pending && replay.attempts == 0)
            #expect(try await f.store.replay(deliveryID: original.id + 100, webhookID: hook.id, organizationID: f.acme.id) == nil)
            await f.sender().deliverDue()
            let requests = receiver.requests(to: "/ok")
            #expect(requests.map(\.deliveryID) == [String(original.id), String(replay.id)])
            #expect(requests[0].body == requests[1].body)
            try Self.verifySignature(requests[1], secret: secret, now: Date())
            #expect(try await f.deliveries(hook).map(\.status) == [.delivered, .delivered])
        }
    }

    @Test(arguments: Backend.available)
    func twoSendersNeverSendTheSameDelivery(backend: Backend) async throws {
        try await Fixture.run(backend) { f, receiver, base in
            let (hook, _) = try await f.webhook(base + "/ok")
            for number in 1...30 { try await f.queue.enqueue(Self.event(number: number), organizationID: f.acme.id) }
            async let first: Void = f.sender().deliverDue()
            async let second: Void = f.sender().deliverDue()
            _ = await (first, second)
            let ids = receiver.requests(to: "/ok").compactMap(\.deliveryID)
            #expect(ids.count == 30 && Set(ids).count == 30)
            let deliveries = try await f.deliveries(hook)
            #expect(deliveries.count == 30 && deliveries.allSatisfy { $0.status == .delivered && $0.attempts == 1 })
        }
    }

    @Test(arguments: Backend.available)
    func aDeliveryLeasedElsewhereIsLeftAlone(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            let (hook, _) = try await f.webhook("https://hooks.example.com/x")
            let now = try await f.enqueue()
            let claims = try await f.queue.claimDue(limit: 5, lease: 60, now: now)
            #expect(claims.count == 1)
            #expect(try await f.queue.claimDue(limit: 5, lease: 60, now: now.addingTimeInterval(59)).isEmpty)
            // The first instance died: after the lease another one takes over, and the first one's late outcome is ignored.
            let retaken = try await f.queue.claimDue(limit: 5, lease: 60, now: now.addingTimeInterval(61))
            #expect(retaken.map(\.delivery.id) == claims.map(\.delivery.id))
            let late = WebhookQueue.Outcome(
                attempt: .init(at: now, responseStatus: 200, error: nil), responseBody: "late", retryAt: nil)
            try await f.queue.record(late, of: claims[0], disableAfter: 15)
            #expect(try await f.deliveries(hook).first?.status == .pending)
            try await f.queue.record(late, of: retaken[0], disableAfter: 15)
            #expect(try await f.deliveries(hook).first?.status == .delivered)
        }
    }

    @Test(arguments: Backend.available)
    func deliveriesOlderThanThirtyDaysArePurged(backend: Backend) async throws {
        try await Fixture.run(backend) { f in
            let (hook, _) = try await f.webhook("https://hooks.example.com/x")
            let now = Date()
            try await f.queue.enqueue(Self.event(number: 1), organizationID: f.acme.id, now: now.addingTimeInterval(-31 * 86400))
            try await f.queue.enqueue(Self.event(number: 2), organizationID: f.acme.id, now: now.addingTimeInterval(-29 * 86400))
            await ExpiredDataSweeper(platform: f.platform, interval: .seconds(600), logger: .quiet).sweep(now: now)
            let left = try await f.deliveries(hook)
            #expect(left.count == 1 && left[0].payload.contains("\"number\":2"))
        }
    }
}

/// The webhook pages of the dashboard, through the router (serialized, as ``WebhookTests``).
@Suite(.serialized) struct WebhookPagesTests {
    typealias Harness = DashboardHarness

    /// Ada owns Acme (with a server); returns her browser.
    static func acme(_ harness: Harness) async throws -> Browser {
        let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
        try await harness.createServer(by: ada, in: "acme", slug: "acme-docs", name: "Acme Docs")
        return ada
    }

    static let goodForm = ["url": "https://hooks.example.com/acme", "format": "slack", "event:ticket.created": "on"]

    /// Adds a webhook through the form; returns its page's path and the secret shown.
    static func add(_ browser: Browser, _ form: [String: String] = goodForm) async throws -> (path: String, secret: String) {
        let page = try await browser.submit("/orgs/acme/webhooks", form)
        try #require(page.status == .ok, "\(page.status) \(page.html)")
        let secret = try #require(page.text(ofID: "webhook-secret"))
        let path = try #require(page.attribute("action", after: "webhook-settings"))
        return (path, secret)
    }

    @Test(arguments: Backend.available)
    func ownersAddTestReplayRotateAndDeleteWebhooks(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.acme(harness)
            let list = try await ada.get("/orgs/acme/webhooks")
            #expect(list.status == .ok && list.has(id: "add-webhook"))
            for event in SupportEvent.Name.allCases {
                #expect(list.html.contains(#"name="event:\#(event.rawValue)" type="checkbox" checked>"#), "every event, at first")
            }
            #expect(list.html.contains(#"<a href="/orgs/acme/webhooks" id="nav-webhooks" aria-current="page">Webhooks</a>"#))

            // Bad input: the form comes back with the reason and what was typed.
            var page = try await ada.submit(
                "/orgs/acme/webhooks", ["url": "http://hooks.example.com/x", "format": "json", "event:ticket.created": "on"])
            #expect(page.status == .unprocessableContent && page.fieldErrors == ["the URL must start with https://"])
            #expect(page.inputValue("url") == "http://hooks.example.com/x")
            page = try await ada.submit("/orgs/acme/webhooks", ["url": "https://hooks.example.com/x", "format": "json"])
            #expect(page.status == .unprocessableContent && page.fieldErrors == ["choose at least one event"])
            page = try await ada.submit("/orgs/acme/webhooks", ["url": "https://hooks.example.com/x", "format": "xml", "event:nope": "on"])
            #expect(page.status == .unprocessableContent && page.fieldErrors == ["choose JSON or Slack"])
            #expect(try await harness.count("webhooks") == 0)

            // Added: the secret is shown once, and stored sealed.
            let (path, secret) = try await Self.add(ada)
            #expect(secret.hasPrefix("whsec_"))
            let sealed: String = try await harness.platform.database.one("SELECT secret FROM webhooks").decode("secret")
            #expect(try harness.platform.secretKey.open(sealed, purpose: WebhookStore.secretPurpose) == secret)
            page = try await ada.get(path)
            #expect(page.status == .ok && !page.html.contains(secret) && !page.has(id: "webhook-secret"))
            #expect(page.html.contains("Slack") && page.html.contains("ticket.created"))
            #expect(try await ada.get("/orgs/acme/webhooks").html.contains("https://hooks.example.com/acme"))

            // A test event, then its replay.
            page = try await ada.post(path + "/test")
            #expect(page.location == path + "?notice=test-queued")
            page = try await ada.follow(page)
            #expect(page.flash?.text == "Test event queued: it is sent within seconds.")
            #expect(page.html.contains(#"<span class="badge">test</span>"#) && page.html.contains("not sent yet"))
            let delivery: Int64 = try await harness.platform.database.one("SELECT id, payload FROM webhook_deliveries").decode("id")
            #expect(try await ada.post("\(path)/deliveries/\(delivery)/replay").location == path + "?notice=replayed")
            #expect(try await harness.count("webhook_deliveries", where: "payload LIKE '%\"test\":true%'") == 2)
            #expect(try await ada.post("\(path)/deliveries/\(delivery + 100)/replay").status == .notFound)
            _ = try await ada.get(path)

            // Off and on again.
            page = try await ada.follow(try await ada.post(path + "/disable"))
            #expect(page.html.contains(#"status-failed">disabled</span> Turned off by Test User.</dd>"#) && page.has(id: "enable-webhook"))
            page = try await ada.post(path + "/test")
            #expect(page.location == path + "?notice=test-queued-off")
            page = try await ada.follow(try await ada.post(path + "/enable"))
            #expect(page.has(id: "disable-webhook") && !page.html.contains("Turned off by"))

            // Settings.
            page = try await ada.post(path, ["url": "https://hooks.example.com/v2", "format": "json", "event:ticket.commented": "on"])
            #expect(page.location == path + "?notice=saved")
            let webhook = try #require(try await harness.platform.database.first("SELECT url, format, events FROM webhooks"))
            #expect(try webhook.decode("url", as: String.self) == "https://hooks.example.com/v2")
            #expect(
                try webhook.decode("format", as: String.self) == "json" && webhook.decode("events", as: String.self) == "ticket.commented")
            page = try await ada.post(path, ["url": "", "format": "json", "event:ticket.commented": "on"])
            #expect(page.status == .unprocessableContent && page.fieldErrors == ["enter the URL to POST events to"])

            // A new secret, shown once.
            page = try await ada.post(path + "/rotate-secret")
            let rotated = try #require(page.text(ofID: "webhook-secret"))
            #expect(rotated != secret && rotated.hasPrefix("whsec_"))

            page = try await ada.post(path + "/delete")
            #expect(page.location == "/orgs/acme/webhooks?notice=deleted")
            #expect(try await ada.get(path).status == .notFound)
            #expect(try await harness.count("webhook_deliveries") == 0)
        }
    }

    @Test(arguments: Backend.available)
    func membersOnlyReadAndOtherOrganizationsSeeNothing(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.acme(harness)
            let (path, _) = try await Self.add(ada)
            let id = try #require(path.split(separator: "/").last)

            let grace = try await harness.member("grace@example.com", as: .member, of: "acme", invitedBy: ada)
            let list = try await grace.get("/orgs/acme/webhooks")
            #expect(list.status == .ok && list.html.contains("https://hooks.example.com/acme") && !list.has(id: "add-webhook"))
            let page = try await grace.get(path)
            #expect(
                page.status == .ok && !page.has(id: "send-test") && !page.has(id: "webhook-settings") && !page.has(id: "delete-webhook"))
            #expect(try await grace.post("/orgs/acme/webhooks", Self.goodForm).status == .forbidden)
            #expect(try await grace.post(path + "/deliveries/1/replay", csrf: .omitted).status == .forbidden)
            for action in ["/test", "/disable", "/rotate-secret", "/delete", ""] {
                _ = try await grace.get(path)
                #expect(try await grace.post(path + action, Self.goodForm).status == .forbidden, "\(action)")
            }

            let bob = try await harness.owner("bob@example.com", organization: "Bobco", slug: "bobco")
            #expect(try await bob.get("/orgs/acme/webhooks").status == .notFound)
            #expect(try await bob.get(path).status == .notFound)
            for action in ["", "/test", "/disable", "/rotate-secret", "/delete", "/deliveries/1/replay"] {
                _ = try await bob.get("/orgs/bobco/webhooks")
                #expect(try await bob.post("/orgs/bobco/webhooks/\(id)\(action)", Self.goodForm).status == .notFound, "\(action)")
            }
            #expect(try await bob.get("/orgs/bobco/webhooks/\(id)").status == .notFound)
            for bad in ["999", "abc", "-1", "99999999999999999999"] {
                #expect(try await ada.get("/orgs/acme/webhooks/\(bad)").status == .notFound, "\(bad)")
            }
            #expect(try await harness.count("webhooks", where: "enabled = 1") == 1)
            #expect(try await harness.count("webhook_deliveries") == 0)
        }
    }

    @Test func theDeliveryLogShowsEveryAttemptEscaped() async throws {
        try await Harness.run { harness in
            let ada = try await Self.acme(harness)
            let (path, _) = try await Self.add(ada)
            let queue = WebhookQueue(database: harness.platform.database)
            let organization = try #require(try await harness.platform.tenancy.organization(slug: "acme"))
            try await queue.enqueue(WebhookTests.event(), organizationID: organization.id)
            let now = Date()
            for (status, body) in [(500, "<b>boom</b>"), (503, "down")] {
                let claim = try #require(try await queue.claimDue(limit: 1, lease: 60, now: now.addingTimeInterval(3600)).first)
                let attempt = WebhookDelivery.Attempt(at: now, responseStatus: status, error: nil)
                try await queue.record(.init(attempt: attempt, responseBody: body, retryAt: now), of: claim, disableAfter: 15)
            }
            let page = try await ada.get(path)
            #expect(page.html.contains("HTTP 500</li>") && page.html.contains("HTTP 503</li>"))
            #expect(page.html.contains("<pre class=\"mail\">down</pre>") && !page.html.contains("<b>boom"))
            #expect(page.text(ofID: "webhook-failures") == "2")
        }
    }

    @Test func anOrganizationCannotAddAnEleventhWebhook() async throws {
        try await Harness.run { harness in
            let ada = try await Self.acme(harness)
            let organization = try #require(try await harness.platform.tenancy.organization(slug: "acme"))
            let store = WebhookStore(database: harness.platform.database, secretKey: harness.platform.secretKey)
            let settings = try Webhook.Settings(
                url: "https://hooks.example.com/x", format: "json", events: ["ticket.created"], allowHTTP: false)
            for _ in 1...WebhookStore.maximumPerOrganization { _ = try await store.create(settings, organizationID: organization.id) }
            let list = try await ada.get("/orgs/acme/webhooks")
            #expect(!list.has(id: "add-webhook") && list.html.contains("at most 10 webhooks"))
            let refused = try await ada.post("/orgs/acme/webhooks", Self.goodForm)
            #expect(refused.status == .unprocessableContent && refused.html.contains("at most 10 webhooks"))
            #expect(try await harness.count("webhooks") == 10)
        }
    }

    @Test func retrySecondsAreConfigurable() throws {
        #expect(AppConfiguration().webhookRetryBase == 30)
        #expect(try AppConfiguration(flags: [.webhookRetrySeconds: "1"], environment: [:]).webhookRetryBase == 1)
        #expect(try AppConfiguration(flags: [:], environment: ["MCPLATFORM_WEBHOOK_RETRY_SECONDS": "90"]).webhookRetryBase == 90)
        for bad in ["0", "3601", "soon"] {
            #expect(throws: ConfigurationError.self) { try AppConfiguration(flags: [.webhookRetrySeconds: bad], environment: [:]) }
        }
    }
}
