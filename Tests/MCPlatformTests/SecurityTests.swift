import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import MCPlatform

/// Security properties that cut across features (see docs/security.md): response headers,
/// SSRF guards on every outbound fetch, secrets kept out of logs and stored hashed or sealed.
/// Tenant isolation and XSS over every route are in ``CrossTenantTests``.
@Suite struct SecurityTests {
    // MARK: Headers

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await DashboardHarness.run { harness in
            let browser = harness.browser()
            let html = try await browser.get("/login")
            let policy = html.headers[.contentSecurityPolicy] ?? ""
            #expect(
                policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'") && policy.contains("default-src 'none'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            for (path, page) in [
                ("/login", html), ("/healthz", try await browser.get("/healthz")),
                ("/assets/app.js", try await browser.get("/assets/app.js")),
                ("/no-such-route", try await browser.get("/no-such-route")), ("/api/v1/servers", try await browser.get("/api/v1/servers")),
            ] {
                #expect(page.headers[.xContentTypeOptions] == "nosniff", "\(path) \(page.status)")
                #expect(page.headers[.referrerPolicy] == "no-referrer", "\(path)")
                #expect(page.headers[.strictTransportSecurity] == nil, "\(path): no HSTS over plain HTTP")
            }
            // A client cannot claim TLS: X-Forwarded-Proto is not trusted.
            let forwarded = try await harness.client.execute(
                uri: "/login", method: .get, headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(forwarded.headers[.strictTransportSecurity] == nil)
        }
        try await DashboardHarness.run(configure: { $0.publicURL = URL(string: "https://mcp.example.com") }) { harness in
            for path in ["/login", "/healthz", "/no-such-route"] {
                let page = try await harness.browser().get(path)
                #expect(page.headers[.strictTransportSecurity] == "max-age=31536000", "\(path)")
            }
        }
    }

    /// HTML a handler renders without ``HTMLPages/render`` still gets the pages' policy.
    @Test func htmlWithoutThePolicyGetsIt() async throws {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware(servedOverTLS: false))
        router.get("/raw") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<p>hi")))
        }
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/raw", method: .get)
            #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
        }
    }

    // MARK: SSRF

    static let privateHosts = [
        "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1", "127.0.0.1", "127.1.2.3", "169.254.169.254",
        "0.0.0.0", "100.64.0.1", "::1", "[::1]", "::", "fc00::1", "fd12:3456::1", "fe80::1", "::ffff:127.0.0.1", "[::ffff:10.0.0.1]",
        "::ffff:169.254.169.254", "localhost", "no-such-host.invalid",
    ]

    @Test(arguments: privateHosts)
    func privateAddressesAreRefusedUnlessAllowed(host: String) throws {
        #expect(!NetworkAddress.isPublic(host: host))
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        for scheme in ["http", "https"] {
            let url = try #require(URL(string: "\(scheme)://\(bracketed):8080/x"))
            #expect(OutboundHTTP.refusal(for: url, allowPrivateNetworks: false) != nil, "\(url)")
            #expect(OutboundHTTP.refusal(for: url, allowPrivateNetworks: true) == nil, "\(url)")
            #expect(WebFetcher(maximumBytes: 1024, allowPrivateNetworks: false).refusal(for: url) != nil)
        }
    }

    @Test func publicAddressesAndOtherSchemes() throws {
        for host in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            #expect(NetworkAddress.isPublic(host: host), "\(host)")
        }
        for url in ["file:///etc/passwd", "gopher://example.com/", "ftp://8.8.8.8/x"] {
            #expect(OutboundHTTP.refusal(for: try #require(URL(string: url)), allowPrivateNetworks: true) != nil, "\(url)")
        }
    }

    /// Outbound requests follow no redirect by themselves: a public name cannot bounce a fetch
    /// to a private address (the crawler re-checks every hop it follows).
    @Test func outboundRequestsDoNotFollowRedirects() async throws {
        let router = Router()
        router.get("/start") { _, _ in Response(status: .found, headers: [.location: "http://127.0.0.1:1/internal"]) }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let http = OutboundHTTP(allowPrivateNetworks: true, caFile: nil)
            let response = try await http.send(.init(url: try #require(URL(string: "http://127.0.0.1:\(client.port!)/start"))))
            #expect(response.status == 302)
        }
    }

    @Test(arguments: [
        "http://127.0.0.1:9/repo.git", "https://169.254.169.254/latest/meta-data", "ssh://git@10.0.0.5/docs.git",
        "git@192.168.0.10:acme/docs.git", "https://[::1]/x.git", "http://[::ffff:127.0.0.1]/x.git", "file:///etc",
    ])
    func gitRemotesOnPrivateAddressesAreRefused(repository: String) async throws {
        let source = GitSource(
            repository: repository, ref: nil, subfolder: nil, cacheDirectory: NSTemporaryDirectory() + "mcplatform-git-\(UUID())",
            maximumPageBytes: 1024, allowPrivateNetworks: false)
        await #expect(throws: IngestError.self) { _ = try await source.checkout() }
        do {
            _ = try await source.checkout()
        } catch {
            // An IPv6 literal (`::`) is refused earlier, as an unsupported address.
            #expect(["private, loopback or unresolvable", "unsupported"].contains { error.description.contains($0) }, "\(error)")
        }
    }

    @Test func gitRemoteHosts() {
        #expect(GitSource.remoteHost(of: "https://github.com/acme/docs.git") == "github.com")
        #expect(GitSource.remoteHost(of: "ssh://git@10.0.0.5:2222/docs.git") == "10.0.0.5")
        #expect(GitSource.remoteHost(of: "git@192.168.0.10:acme/docs.git") == "192.168.0.10")
        #expect(GitSource.remoteHost(of: "/srv/docs") == nil)
        #expect(GitSource.remoteHost(of: "./docs:v1") == nil)
    }

    /// A repository whose docs folder is a symlink out of the checkout (to a folder beside it,
    /// as another tenant's checkout is, or to its parent) is refused rather than read.
    @Test func gitDocsPathsCannotSymlinkOutOfTheCheckout() async throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mcplatform-symlink-\(UUID())")
        defer { try? Self.run("rm", "-rf", root.path) }  // never follows the links
        let repository = root.appendingPathComponent("repo")
        let outside = root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("guide"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try "# Guide".write(to: repository.appendingPathComponent("guide/index.md"), atomically: true, encoding: .utf8)
        try "# Other tenant".write(to: outside.appendingPathComponent("secret.md"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: repository.appendingPathComponent("docs").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: repository.appendingPathComponent("up").path, withDestinationPath: "..")
        try Self.run("git", "-C", repository.path, "init", "--quiet")
        try Self.run("git", "-C", repository.path, "add", ".")
        try Self.run("git", "-C", repository.path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "x")
        for subfolder in ["docs", "up", "up/up", "guide"] {
            let source = GitSource(
                repository: repository.path, ref: nil, subfolder: subfolder, cacheDirectory: root.appendingPathComponent("cache").path,
                maximumPageBytes: 1024, allowPrivateNetworks: false)
            if subfolder == "guide" {
                #expect(try await source.checkout().hasSuffix("/guide"))
            } else {
                await #expect(throws: IngestError.self, "\(subfolder)") { _ = try await source.checkout() }
            }
        }
    }

    static func run(_ arguments: String...) throws {
        let outcome = try ChildProcess.run("/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment)
        try #require(outcome.exitStatus == 0, "\(arguments)")
    }

    // MARK: Secrets in logs and at rest

    @Test(arguments: Backend.available)
    func secretsStayOutOfLogsAndAreStoredHashedOrSealed(backend: Backend) async throws {
        let lines = CapturedLog()
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database) { $0.passwordHashCost = 4 }
            var logger = Logger(label: "capture") { _ in CapturingLogHandler(lines: lines) }
            logger.logLevel = .trace
            try await Application(router: buildRouter(platform: platform), logger: logger).test(.router) { client in
                let harness = DashboardHarness(client: client, platform: platform)
                var secrets: [String] = []
                // Sign-up, sign-out, sign-in with a password.
                let password = "hunter2-correct-horse-battery"
                let ada = try await harness.signUp("ada@example.com", password: password)
                secrets.append(password)
                _ = try await ada.submit("/orgs/new", ["name": "Acme", "slug": "acme"])
                try await harness.createServer(by: ada, in: "acme", slug: "guide")
                _ = try await ada.post("/logout", csrf: .fromLastPage)
                let signedIn = try await ada.submit("/login", ["email": "ada@example.com", "password": password])
                #expect(signedIn.status == .seeOther)
                secrets.append(try #require(await ada.cookies[Dashboard.sessionCookie]))
                // An API key, used once.
                let keys = try await ada.submit("/orgs/acme/api-keys", ["name": "ci"])
                let key = try #require(keys.html.firstMatch(of: /mcp_[A-Za-z0-9_-]{43}/).map { String($0.output) })
                secrets.append(key)
                let listed = try await client.execute(uri: "/api/v1/servers", method: .get, headers: [.authorization: "Bearer \(key)"])
                #expect(listed.status == .ok)
                // A webhook's signing secret.
                let webhook = try await ada.submit(
                    "/orgs/acme/webhooks", ["url": "https://hooks.example.com/acme", "format": "json", "event:ticket.created": "on"])
                secrets.append(try #require(webhook.text(ofID: "webhook-secret")))
                // The identity provider's client secret.
                let oidcSecret = "oidc-client-secret-\(UUID().uuidString)"
                let auth = try await ada.submit(
                    "/orgs/acme/servers/guide/auth",
                    [
                        "mode": "oauth", "issuer": "https://idp.example", "authorization_url": "https://idp.example/authorize",
                        "token_url": "https://idp.example/token", "jwks_url": "https://idp.example/jwks", "client_id": "mcplatform",
                        "client_secret": oidcSecret, "token_auth_method": "client_secret_basic",
                    ])
                #expect(auth.status.code < 400 && auth.fieldErrors.isEmpty, "\(auth.status) \(auth.fieldErrors)")
                #expect(try await harness.count("auth_providers") == 1)
                secrets.append(oidcSecret)
                // OAuth: a confidential client registered, a code exchanged, a token refreshed.
                let server = try #require(try await platform.tenancy.server(slug: "guide"))
                let oauth = AuthHarness(client: client, platform: platform, guide: server, other: server, bare: server, open: server)
                let confidential = try await oauth.registerClient(authMethod: "client_secret_post")
                secrets.append(try #require(confidential.secret))
                let tokens = try await oauth.tokens(client: oauth.registerClient())
                secrets += [tokens.access, tokens.refresh]
                let refreshed = try await oauth.refresh(tokens.refresh, client: try await oauth.registerClient())
                #expect(refreshed.status.code >= 400, "another client's refresh token")
                // An invitation link and a password-reset link, opened.
                let invitation = try await harness.invite("max@example.com", as: .member, to: "acme", by: ada)
                secrets.append(String(invitation.dropFirst("/invitations/".count)))
                _ = try await harness.browser().get(invitation)
                _ = try await harness.browser().submit("/password/forgot", ["email": "ada@example.com"])
                let resetToken = try await Self.resetToken(in: platform)
                secrets.append(resetToken)
                _ = try await harness.browser().get("/password/reset/\(resetToken)")

                for secret in secrets {
                    let leaked = lines.all.filter { $0.contains(secret) }
                    #expect(leaked.isEmpty, "\(backend): a secret in the log: \(leaked)")
                }
                #expect(lines.all.contains { $0.contains("{token}") }, "the reset and invitation requests are logged, redacted")
                // At rest: no table holds any of them in clear (but the queue of unsent email,
                // whose links must reach their recipients; a sent message's body is emptied).
                let tables = try await database.query(
                    backend == .sqlite
                        ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                        : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'")
                for table in try tables.map({ try $0.decode("name", as: String.self) })
                where !table.hasPrefix("sqlite_") && table != "outbox_emails" {
                    let rows = try await database.query("SELECT * FROM \(raw: table)").map { "\($0.values)" }.joined()
                    for secret in secrets {
                        #expect(!rows.contains(secret), "\(backend): \(table) holds a secret in clear")
                    }
                }
                let hash = try await database.one("SELECT password_hash FROM users WHERE email = 'ada@example.com'")
                #expect(try hash.decode("password_hash", as: String.self).hasPrefix("$2"), "bcrypt")
                for sealed in [
                    "SELECT secret AS v FROM webhooks", "SELECT client_secret AS v FROM auth_providers",
                ] {
                    let value = try await database.one("\(raw: sealed)")
                    #expect(try value.decode("v", as: String.self).hasPrefix("v1."), "\(sealed): AES-GCM sealed")
                }
            }
        }
        #expect(lines.all.count > 20)
    }

    /// Building the application logs its configuration without the SMTP password, the
    /// database password, the admin and metrics tokens or the secret key.
    @Test func startupLogsNoSecrets() async throws {
        let lines = CapturedLog()
        var logger = Logger(label: "capture") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        let directory = NSTemporaryDirectory() + "mcplatform-startup-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = AppConfiguration()
        configuration.dataDirectory = directory
        configuration.secretKey = Data(repeating: 9, count: 32).base64EncodedString()
        configuration.adminToken = "admin-token-\(UUID())"
        configuration.metricsToken = "metrics-token-\(UUID())"
        configuration.smtp = try SMTPConfiguration(url: "smtp://mailer:smtp-password-42@127.0.0.1:2525")
        configuration.port = 0
        let app = try await buildApplication(configuration: configuration, logger: logger)
        // Runs a moment (the mail sender logs its relay), then shuts down gracefully: the database is closed.
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await Task.sleep(for: .milliseconds(800))
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        let log = lines.all.joined(separator: "\n")
        #expect(!log.isEmpty)
        for secret in ["smtp-password-42", configuration.adminToken!, configuration.metricsToken!, configuration.secretKey!] {
            #expect(!log.contains(secret))
        }
        #expect(
            try SMTPConfiguration(url: "smtp://mailer:smtp-password-42@127.0.0.1:2525").redactedURL.contains("smtp-password-42") == false)
        #expect(!DatabaseLocation.postgres(url: "postgres://app:db-password@db/mcp").description.contains("db-password"))
    }

    /// The reset token of the last email in the outbox (its link).
    static func resetToken(in platform: Platform) async throws -> String {
        let row = try await platform.database.one("SELECT body FROM outbox_emails ORDER BY id DESC LIMIT 1")
        let body = try row.decode("body", as: String.self)
        return try #require(body.firstMatch(of: /\/password\/reset\/([A-Za-z0-9_-]+)/).map { String($0.output.1) })
    }
}

/// Log lines, message and metadata, as one string each.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

/// A log handler that keeps every line it is given, with its metadata.
struct CapturingLogHandler: LogHandler {
    let lines: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(merged) \(event.source) \(event.file)")
    }
}
