import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// Tenant isolation on every route the router registers: the list comes from the router itself,
/// so a new route is requested here as soon as it exists, and a route this test cannot classify
/// fails it. Tenant B (a signed-in owner of `beta`, its API key, its end users' tokens) asks for
/// tenant A's (`acme`) resources, by A's organization and server slugs and by A's numeric ids
/// from B's own scope (IDOR); the answer is 403 or 404, never A's data, and A's rows are unchanged.
@Suite struct CrossTenantTests {
    /// In every name and text of A's resources; no response to B may contain it (case-insensitive).
    static let marker = "acmeprivate"
    /// What A writes in every free-text field: script, an event handler, quotes, an ampersand.
    static let payload = #"<script>alert(1)</script><img src=x onerror=alert(2)>"'&acmeprivate"#

    /// What a route serves, which says how B attacks it.
    enum Scope: String {
        /// No tenant data: health, assets, the landing page, the OpenAPI document.
        case `public`
        /// The signed-in person's own account (sign-in, sign-up, profile): no organization in it.
        case account
        /// A secret link (invitation, password reset): the token is the credential.
        case capability
        /// The operator's pages: every organization's data.
        case operatorPage
        /// A server's MCP endpoint and OAuth authorization server, public by design but for one
        /// server's end users only.
        case tenantEndpoint
        /// A dashboard page or form of one organization (`/orgs/{org}/…`).
        case organization
        /// The admin API with an organization's key.
        case adminAPI
        /// The admin API's operator-only routes.
        case operatorAPI
    }

    /// The scope of `path` (a route pattern), or nil when this test does not know it.
    static func scope(of path: String) -> Scope? {
        switch path {
        case "/", "/healthz", "/readyz", "/metrics", "/api/v1/openapi.json": return .public
        case "/signup", "/login", "/logout", "/account", "/account/password", "/password/forgot", "/orgs/new": return .account
        case "/invitations/{token}", "/password/reset/{token}": return .capability
        case "/api/v1/onboard": return .operatorAPI
        default: break
        }
        if path.hasPrefix("/assets/") { return .public }
        if path.hasPrefix("/orgs/{org}") { return .organization }
        if path == "/operator" || path.hasPrefix("/operator/") { return .operatorPage }
        if path.hasPrefix("/api/v1/") { return .adminAPI }
        if path == "/mcp" || path.hasPrefix("/mcp/") || path.hasPrefix("/oauth/") || path.hasPrefix("/.well-known/") {
            return .tenantEndpoint
        }
        return nil
    }

    /// Tenant A's resources, all carrying ``marker``.
    struct TenantA {
        let organization = "acme"
        let server: TenantServer
        let sourceID: Int64
        let jobID: Int64
        let walkthrough = "a-tour"
        let ticket: Int
        let webhookID: Int64
        let deliveryID: Int64
        let ruleID: Int64
        let keyID: Int64
        let invitationID: Int64
    }

    /// The value of the route parameter `name` (after path segment `previous`): A's, except
    /// where `own` asks for B's organization or server.
    static func value(
        _ name: String, after previous: String, a: TenantA, ownOrganization: Bool, ownServer: Bool
    ) -> String? {
        switch (name, previous) {
        case ("org", _): return ownOrganization ? "beta" : a.organization
        case ("server", _), ("slug", "servers"), ("slug", "mcp"): return ownServer ? "beta-docs" : a.server.slug
        case ("slug", "walkthroughs"), ("walkthrough", _): return a.walkthrough
        case ("step", _): return "1"
        case ("number", _): return String(a.ticket)
        case ("delivery", _): return String(a.deliveryID)
        case ("token", _): return RandomToken.make()
        case ("id", "sources"): return String(a.sourceID)
        case ("id", "jobs"): return String(a.jobID)
        case ("id", "api-keys"): return String(a.keyID)
        case ("id", "invitations"): return String(a.invitationID)
        case ("id", "webhooks"): return String(a.webhookID)
        case ("id", "rules"): return String(a.ruleID)
        case ("id", "sessions"), ("id", "errors"): return "1"
        default: return nil
        }
    }

    /// `path` with its parameters filled; nil (and a recorded issue) for an unknown parameter.
    static func fill(_ path: String, a: TenantA, ownOrganization: Bool, ownServer: Bool) -> (path: String, touchesA: Bool)? {
        var previous = ""
        var touchesA = false
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else {
                segments.append(segment)
                previous = segment
                continue
            }
            let name = String(segment.dropFirst().dropLast())
            guard let value = value(name, after: previous, a: a, ownOrganization: ownOrganization, ownServer: ownServer) else {
                Issue.record("\(path): no value for the parameter {\(name)} after \(previous): teach CrossTenantTests.value about it")
                return nil
            }
            if !(name == "org" && ownOrganization) && !(name == "server" && ownServer)
                && !(name == "slug" && ["servers", "mcp"].contains(previous) && ownServer) && name != "token"
            {
                touchesA = true
            }
            segments.append(value)
            previous = segment
        }
        return (segments.joined(separator: "/"), touchesA)
    }

    @Test(arguments: Backend.available)
    func everyRouteRefusesAnotherTenant(backend: Backend) async throws {
        try await DashboardHarness.run(backend) { harness in
            let platform = harness.platform
            let routes = buildRouter(platform: platform).routes
            #expect(routes.count > 100, "the router's routes: \(routes.count)")

            // Tenant A, through its owner's forms and the stores.
            let (_, a) = try await Self.tenantA(harness)

            // Tenant B: an owner with a server, an API key and an end user's tokens.
            let bob = try await harness.owner("bob@example.com", organization: "Beta", slug: "beta")
            try await harness.createServer(by: bob, in: "beta", slug: "beta-docs")
            let beta = try #require(try await platform.tenancy.organization(slug: "beta"))
            let (_, bKey) = try await platform.accounts.apiKeys.create(organizationID: beta.id, name: "b", createdBy: nil)
            let bServer = try #require(try await platform.tenancy.server(slug: "beta-docs"))
            try await platform.tenancy.setAuthMode(.oauth, serverID: bServer.id)
            try await platform.tenancy.setAuthMode(.oauth, serverID: a.server.id)
            let oauth = AuthHarness(
                client: harness.client, platform: platform, guide: bServer, other: bServer, bare: bServer, open: bServer)
            let bClient = try await oauth.registerClient(slug: "beta-docs")
            let bTokens = try await oauth.tokens(bServer, client: bClient)
            let bSession = try #require(await bob.cookies[Dashboard.sessionCookie])
            let bCSRF = platform.accounts.sessions.csrfToken(for: bSession)

            let before = try await Self.snapshot(platform.database)
            var unclassified: [String] = []
            var requests = 0
            for route in routes {
                let pattern = route.path.description
                let method = route.method
                guard let scope = Self.scope(of: pattern) else {
                    unclassified.append("\(method) \(pattern)")
                    continue
                }
                /// One request by B; `refused`: the answer must be 403 or 404.
                func attempt(_ own: (organization: Bool, server: Bool), refused: (Bool) -> Bool, as send: (String) async throws -> WebPage)
                    async throws
                {
                    guard let (path, touchesA) = Self.fill(pattern, a: a, ownOrganization: own.organization, ownServer: own.server) else {
                        return
                    }
                    if !touchesA && method != .get { return }  // B's own forms: not an attack, and they change B's data.
                    let page = try await send(path)
                    requests += 1
                    let label = "\(backend) \(method) \(path) [\(scope)]"
                    if refused(touchesA) {
                        #expect([.notFound, .forbidden].contains(page.status), "\(label): \(page.status)")
                    } else {
                        #expect(page.status.code < 500, "\(label): \(page.status)")
                    }
                    #expect(!page.html.lowercased().contains(Self.marker), "\(label): A's data in the answer")
                }
                let asBob: (String) async throws -> WebPage = { path in
                    try await Self.send(harness.client, method, path, cookie: "\(Dashboard.sessionCookie)=\(bSession)", csrf: bCSRF)
                }
                let withKey: (String) async throws -> WebPage = { path in
                    try await Self.send(harness.client, method, path, bearer: bKey)
                }
                switch scope {
                case .public, .account:
                    try await attempt((true, true), refused: { _ in false }, as: asBob)
                case .capability:
                    // A random token: nothing of anyone's.
                    try await attempt((true, true), refused: { _ in false }, as: asBob)
                case .operatorPage:
                    try await attempt((true, true), refused: { _ in true }, as: asBob)
                case .organization:
                    try await attempt((false, false), refused: { _ in true }, as: asBob)
                    if pattern.contains("{server}") { try await attempt((true, false), refused: { _ in true }, as: asBob) }
                    try await attempt((true, true), refused: { $0 }, as: asBob)
                case .adminAPI:
                    try await attempt((false, false), refused: { $0 }, as: withKey)
                    try await attempt((true, true), refused: { $0 }, as: withKey)
                case .operatorAPI:
                    try await attempt((true, true), refused: { _ in true }, as: withKey)
                case .tenantEndpoint:
                    try await Self.tenantEndpoint(method, pattern, a: a, tokens: bTokens, client: bClient, oauth: oauth)
                    requests += 1
                }
            }
            #expect(unclassified.isEmpty, "routes CrossTenantTests.scope(of:) does not know: \(unclassified)")
            #expect(requests > 200, "\(requests) requests")
            let after = try await Self.snapshot(platform.database)
            for (table, rows) in before {
                #expect(after[table] == rows, "\(backend): \(table) changed by tenant B's requests")
            }
        }
    }

    /// XSS: A's owner opens every page of the dashboard the router has (its parameters filled
    /// with A's own resources), each free-text field holding ``payload``: the payload appears
    /// only escaped.
    @Test func everyDashboardPageEscapesWhatTenantsWrote() async throws {
        try await DashboardHarness.run { harness in
            let (ada, a) = try await Self.tenantA(harness)
            var pages = 0
            for route in buildRouter(platform: harness.platform).routes where route.method == .get {
                let pattern = route.path.description
                guard [.organization, .account].contains(Self.scope(of: pattern)),
                    let (path, _) = Self.fill(pattern, a: a, ownOrganization: false, ownServer: false)
                else { continue }
                let page = try await ada.get(path)
                #expect(page.status.code < 500, "GET \(path): \(page.status)")
                guard page.headers[.contentType]?.hasPrefix("text/html") == true else { continue }  // CSV and JSON exports
                pages += 1
                for raw in ["<script>alert(1)", "<img src=x", "onerror=alert(2)>", "href=\"javascript:"] {
                    #expect(!page.html.contains(raw), "GET \(path) shows \(raw) unescaped")
                }
            }
            #expect(pages > 25, "\(pages) pages")
            // The payload is there, escaped, where people read it.
            let ticket = try await ada.get("/orgs/acme/tickets/\(a.ticket)")
            #expect(ticket.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"))
        }
    }

    /// B's end user's credentials at A's MCP endpoint and authorization server: refused.
    static func tenantEndpoint(
        _ method: HTTPRequest.Method, _ pattern: String, a: TenantA, tokens: Tokens, client: RegisteredClient, oauth: AuthHarness
    ) async throws {
        let path = pattern.replacingOccurrences(of: "{slug}", with: a.server.slug)
        let label = "\(method) \(path)"
        switch (method, pattern) {
        case (.post, "/mcp/{slug}"):
            let response = try await oauth.mcp(AuthHarness.initialize, token: tokens.access, path: path)
            #expect(response.status == .unauthorized, "\(label): \(response.status)")
        case (.get, "/mcp/{slug}"), (.delete, "/mcp/{slug}"):
            let response = try await oauth.mcp("", token: tokens.access, session: "x", path: path, method: method)
            #expect(response.status == .unauthorized, "\(label): \(response.status)")
        case (.post, "/mcp/{slug}/oauth/token"):
            let response = try await oauth.refresh(tokens.refresh, client: client, slug: a.server.slug)
            #expect([.badRequest, .unauthorized].contains(response.status), "\(label): \(response.status)")
        default:
            // Metadata, registration, the consent page: public by design; B's token grants nothing more.
            var headers: HTTPFields = [.authorization: "Bearer \(tokens.access)"]
            if method == .post { headers[.contentType] = "application/x-www-form-urlencoded" }
            let response = try await oauth.client.execute(
                uri: path, method: method, headers: headers, body: method == .post ? ByteBuffer() : nil)
            #expect(response.status.code < 500, "\(label): \(response.status)")
        }
    }

    /// One request: as a browser with `cookie` (a form with `csrf` for a POST), or with an API key.
    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, cookie: String? = nil, csrf: String? = nil,
        bearer: String? = nil
    ) async throws -> WebPage {
        var headers: HTTPFields = [:]
        headers[.cookie] = cookie
        headers[.authorization] = bearer.map { "Bearer \($0)" }
        var body: ByteBuffer?
        if method != .get {
            if bearer != nil {
                headers[.contentType] = "application/json"
                body = ByteBuffer(string: #"{"name":"b","slug":"b-new","kind":"website","location":"https://b.example/"}"#)
            } else {
                headers[.contentType] = "application/x-www-form-urlencoded"
                body = ByteBuffer(string: FormEncoding.encode(["_csrf": csrf ?? "", "name": "b", "title": "b", "body": "b"]))
            }
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        return WebPage(status: response.status, headers: response.headers, html: String(buffer: response.body))
    }

    /// A's resources: a source and its job, a walkthrough, a ticket, a webhook with a delivery,
    /// an alert rule, an API key and an invitation.
    static func tenantA(_ harness: DashboardHarness) async throws -> (Browser, TenantA) {
        let owner = try await harness.signUp("ada@example.com", name: payload)
        let created = try await owner.submit("/orgs/new", ["name": "Acme " + payload, "slug": "acme"])
        try #require(created.location == "/orgs/acme", "\(created.status) \(created.html)")
        try await harness.createServer(by: owner, in: "acme", slug: "guide", name: payload, description: payload)
        let platform = harness.platform
        let database = platform.database
        let server = try #require(try await platform.tenancy.server(slug: "guide"))
        let acme = try #require(try await platform.tenancy.organization(slug: "acme"))
        let (source, job) = try await SourceRequest(kind: .website, location: "https://acmeprivate.example/docs/").queue(
            serverID: server.id, database: database)
        _ = try await WalkthroughStore(database: database).create(
            slug: "a-tour",
            content: WalkthroughContent(
                title: payload, description: payload, kind: .integration, estimatedMinutes: 5,
                steps: [
                    WalkthroughStep(
                        title: payload, introduction: payload, context: payload, operations: payload,
                        content: "# \(payload)\n\n[link](javascript:alert(3)) `\(payload)`\n\n\(payload)", check: payload)
                ]),
            serverID: server.id)
        let ticket = try await TicketStore(database: database).create(
            .init(
                organizationID: acme.id, serverID: server.id, title: payload, description: payload, context: payload,
                severity: .normal, participant: "session:s1", endUserID: nil, sessionID: "s1", email: "dev@acmeprivate.example",
                clientName: payload,
                activity: [ToolCallRecord(tool: "search_docs", summary: payload, isError: false, latencyMilliseconds: 1, at: Date())]))
        let comment = try await owner.submit(
            "/orgs/acme/tickets/\(ticket.number)", to: "/orgs/acme/tickets/\(ticket.number)/comments",
            ["body": payload, "visibility": "reply"])
        try #require(comment.status == .seeOther, "comment: \(comment.status) \(comment.html)")
        _ = try await platform.auth.endUsers.upsert(
            UpstreamIdentity(subject: payload, email: payload, name: payload), serverID: server.id)
        let webhooks = WebhookStore(database: database, secretKey: platform.secretKey)
        let (webhook, _) = try await webhooks.create(
            try Webhook.Settings(url: "https://acmeprivate.example/hook", format: "json", events: ["ticket.created"], allowHTTP: false),
            organizationID: acme.id)
        let test = try await owner.submit("/orgs/acme/webhooks/\(webhook.id)", to: "/orgs/acme/webhooks/\(webhook.id)/test", [:])
        try #require(test.status == .seeOther, "webhook test: \(test.status) \(test.html)")
        let delivery = try #require(try await webhooks.deliveries(webhookID: webhook.id, organizationID: acme.id).first)
        let settings = try AlertRule.Settings(
            form: ["kind": "server_down", "threshold": "3", "notify_email": "on"], servers: [server])
        let rule = try #require(try await AlertStore(database: database).create(settings, organizationID: acme.id))
        let (key, _) = try await platform.accounts.apiKeys.create(organizationID: acme.id, name: "key acmeprivate", createdBy: nil)
        _ = try await platform.accounts.apiKeys.create(organizationID: acme.id, name: payload, createdBy: nil)
        _ = try await harness.invite("invitee-acmeprivate@example.com", as: .member, to: "acme", by: owner)
        let invitation = try await database.one("SELECT id FROM invitations WHERE organization_id = \(acme.id)")
        return (
            owner,
            TenantA(
                server: server, sourceID: source.id, jobID: job.id, ticket: ticket.number, webhookID: webhook.id, deliveryID: delivery.id,
                ruleID: rule.id, keyID: key.id, invitationID: try invitation.decode("id"))
        )
    }

    /// The rows of the tables that hold what an organization owns (usage columns left out).
    static func snapshot(_ database: any Database) async throws -> [String: String] {
        let queries = [
            "organizations": "SELECT * FROM organizations ORDER BY id",
            "mcp_servers": "SELECT id, organization_id, slug, name, auth_mode FROM mcp_servers ORDER BY id",
            "memberships": "SELECT * FROM memberships ORDER BY 1, 2",
            "invitations": "SELECT * FROM invitations ORDER BY id",
            "api_keys": "SELECT id, organization_id, name, revoked_at FROM api_keys ORDER BY id",
            "webhooks": "SELECT * FROM webhooks ORDER BY id",
            "webhook_deliveries": "SELECT * FROM webhook_deliveries ORDER BY id",
            "alert_rules": "SELECT * FROM alert_rules ORDER BY id",
            "tickets": "SELECT * FROM tickets ORDER BY id",
            "walkthroughs": "SELECT * FROM walkthroughs ORDER BY id",
            "doc_sources": "SELECT * FROM doc_sources ORDER BY id",
            "ingest_jobs": "SELECT id, source_id, status FROM ingest_jobs ORDER BY id",
            "auth_providers": "SELECT * FROM auth_providers ORDER BY 1",
        ]
        var snapshot: [String: String] = [:]
        for (table, query) in queries {
            snapshot[table] = try await database.query("\(raw: query)").map { "\($0.values)" }.joined(separator: "\n")
        }
        return snapshot
    }
}
