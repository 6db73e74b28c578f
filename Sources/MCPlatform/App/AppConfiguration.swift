import Foundation
import Logging

/// Everything `mcplatform serve` can be told, from flags or `MCPLATFORM_*` environment variables
/// (a flag wins over the environment, which wins over the default).
public struct AppConfiguration: Sendable {
    /// Address to listen on.
    public var host = "127.0.0.1"
    public var port = 8080
    /// Servers are reachable at `<slug>.<baseDomain>`.
    public var baseDomain = "localhost"
    /// The platform's URL as clients see it (scheme, base domain, port), used to print endpoint URLs.
    /// Defaults to `http://<baseDomain>:<port>`.
    public var publicURL: URL?
    /// `postgres://…`, or a SQLite file path. Nil: `<dataDirectory>/mcplatform.sqlite`.
    public var databaseURL: String?
    /// Where the SQLite database and the generated secret key live.
    public var dataDirectory = "mcplatform-data"
    /// Base64 of 32 bytes. Nil: read from, or generated into, `<dataDirectory>/secret.key`.
    public var secretKey: String?
    /// Connections to PostgreSQL per instance (SQLite: reader connections, at most 8).
    public var databasePoolSize = 10
    /// Largest accepted request body.
    public var maxBodyBytes = 1 << 20
    /// Largest documentation upload in the dashboard (its files, uncompressed); the upload's
    /// request body may exceed ``maxBodyBytes`` up to this, plus room for the form.
    public var maxUploadBytes = 100 << 20
    /// Largest request head (request line and headers together; also the largest single header).
    public var maxHeaderBytes = 32 << 10
    /// Largest request target (path and query); longer ones get 414.
    public var maxURLBytes = 8 << 10
    /// How long a connection may stay idle, or take to send a request head; a body gets as long
    /// plus a second for every 8 KiB received (see ``ConnectionGuard``).
    public var readTimeout: TimeInterval = 60
    /// MCP servers one organization may have.
    public var maxServersPerOrganization = 20
    /// MCP sessions idle for longer are expired.
    public var sessionIdleTimeout: TimeInterval = 24 * 3600
    /// Limits of documentation ingestion: page size, bytes per server, private networks.
    public var ingestLimits = IngestLimits()
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text
    /// Bearer token of the operator's admin API (`/api/v1`); nil disables the API.
    public var adminToken: String?
    /// Bearer token that `/metrics` requires; nil: only loopback clients may read it.
    public var metricsToken: String?
    /// Create the `demo` organization and server on start when they don't exist.
    public var seedDemo = false
    /// The embedding endpoint for semantic ranking; nil (the default): keyword search only.
    public var embeddings: EmbeddingClient.Configuration?
    /// Lifetime of the access tokens the platform issues to MCP clients.
    public var accessTokenLifetime: TimeInterval = 900
    /// bcrypt work factor of dashboard passwords (not a flag: tests lower it).
    public var passwordHashCost: UInt8 = 12
    /// Extra certificate authorities (PEM) trusted for outbound HTTPS: identity providers and
    /// client metadata documents behind a private CA.
    public var outboundCAFile: String?
    /// The SMTP relay that delivers the platform's email; nil: messages wait in the operator console.
    public var smtp: SMTPConfiguration?
    /// The From of the platform's email; nil: ``mailSender``'s default.
    public var mailFrom: MailAddress?
    /// The delay before a failed webhook delivery's first retry; each further retry waits
    /// twice as long, at most an hour (see ``WebhookSender``).
    public var webhookRetryBase: TimeInterval = 30
    /// Memory all in-memory search indexes may take together (see ``SearchIndexCache``).
    public var searchCacheBytes = 512 << 20
    /// How analytics settle searches, how long raw events are kept, how often they are processed.
    public var analytics = AnalyticsSettings()
    /// How often each instance runs the uptime checks (each server is checked once a minute
    /// whatever the interval; see ``UptimeChecker``).
    public var uptimeInterval: TimeInterval = 60
    /// How often each instance evaluates the alert rules (see ``AlertEvaluator``).
    public var alertInterval: TimeInterval = 60
    /// Where the uptime checks call the servers' endpoints (`<url>/mcp/<slug>`), e.g. the load
    /// balancer; nil: this instance's own listener (``uptimeBaseURL``).
    public var uptimeCheckURL: URL?
    /// Load balancers whose `X-Forwarded-For` gives the client's address (``TrustedProxies``).
    public var trustedProxies = TrustedProxies.none
    /// Scheduled backups of the SQLite database (see ``BackupScheduler``).
    public var backups = BackupSettings()

    public init() {}

    /// The base of the URLs the uptime checks call: `--uptime-check-url`, else this instance's
    /// listener (`http://127.0.0.1:<port>` when it listens on every address).
    public var uptimeBaseURL: String {
        if let uptimeCheckURL {
            let text = uptimeCheckURL.absoluteString
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        let address: String =
            switch host {
            case "0.0.0.0", "::", "[::]", "": "127.0.0.1"
            default: host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            }
        return "http://\(address):\(port)"
    }

    /// The From of the platform's email: `--mail-from`, else `MCPlatform <no-reply@<base-domain>>`.
    public var mailSender: MailAddress {
        mailFrom ?? (try? MailAddress(name: "MCPlatform", address: "no-reply@\(baseDomain)"))
            ?? (try! MailAddress(name: "MCPlatform", address: "no-reply@localhost"))
    }

    /// The database this configuration points at.
    public func databaseLocation() throws(DatabaseError) -> DatabaseLocation {
        try DatabaseLocation(databaseURL, dataDirectory: dataDirectory)
    }

    /// The public MCP endpoint of the server `slug`: `<scheme>://<slug>.<base-domain>[:port]/mcp`.
    public func endpointURL(for slug: String) -> String {
        tenantOrigin(for: slug) + "/mcp"
    }

    /// The platform's own origin as clients see it, without a trailing slash: `https://mcp.example.com`.
    public var publicOrigin: String {
        origin(host: nil)
    }

    /// The origin of the server `slug` on its own host: `<scheme>://<slug>.<base-domain>[:port]`,
    /// with the scheme and port of the public URL.
    public func tenantOrigin(for slug: String) -> String {
        origin(host: "\(slug).\(baseDomain)")
    }

    private func origin(host: String?) -> String {
        let base = publicURL ?? URL(string: "http://\(baseDomain):\(port)")!
        let scheme = base.scheme ?? "http"
        let defaultPort = (scheme == "https" && base.port == 443) || (scheme == "http" && base.port == 80)
        let port = base.port.map { defaultPort ? "" : ":\($0)" } ?? ""
        return "\(scheme)://\(host ?? base.host ?? baseDomain)\(port)"
    }
}

/// How log lines are written to standard error.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-25T12:00:00Z info mcplatform: message key=value`, for people.
    case text
    /// One JSON object per line, for log collectors.
    case json
}

extension AppConfiguration {
    /// A configurable setting: its flag, environment variable and documentation.
    public enum Setting: String, CaseIterable, Sendable {
        case host, port
        case baseDomain = "base-domain"
        case publicURL = "public-url"
        case database
        case dataDir = "data-dir"
        case secretKey = "secret-key"
        case databasePoolSize = "db-pool-size"
        case maxBodyBytes = "max-body-bytes"
        case maxUploadMegabytes = "max-upload-mb"
        case maxHeaderBytes = "max-header-bytes"
        case maxURLBytes = "max-url-bytes"
        case readTimeoutSeconds = "read-timeout-seconds"
        case maxServersPerOrganization = "max-servers-per-org"
        case sessionIdleTimeout = "session-idle-timeout"
        case maxPageKilobytes = "max-page-kb"
        case docsQuotaMegabytes = "docs-quota-mb"
        case allowPrivateURLs = "allow-private-urls"
        case logLevel = "log-level"
        case logFormat = "log-format"
        case demo
        case adminToken = "admin-token"
        case metricsToken = "metrics-token"
        case embeddingsURL = "embeddings-url"
        case embeddingsModel = "embeddings-model"
        case embeddingsAPIKey = "embeddings-api-key"
        case embeddingsInputType = "embeddings-input-type"
        case accessTokenTTL = "access-token-ttl"
        case outboundCAFile = "outbound-ca-file"
        case smtpURL = "smtp-url"
        case mailFrom = "mail-from"
        case webhookRetrySeconds = "webhook-retry-seconds"
        case searchCacheMegabytes = "search-cache-mb"
        case analyticsRetentionDays = "analytics-retention-days"
        case analyticsResolutionSeconds = "analytics-resolution-seconds"
        case analyticsIntervalSeconds = "analytics-interval-seconds"
        case analyticsCapture = "analytics-capture"
        case uptimeIntervalSeconds = "uptime-interval-seconds"
        case alertIntervalSeconds = "alert-interval-seconds"
        case uptimeCheckURL = "uptime-check-url"
        case trustedProxies = "trusted-proxies"
        case backupIntervalHours = "backup-interval-hours"
        case backupDir = "backup-dir"
        case backupKeep = "backup-keep"

        /// `MCPLATFORM_…`
        public var environmentVariable: String {
            switch self {
            case .database: "MCPLATFORM_DATABASE_URL"
            default: "MCPLATFORM_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
            }
        }
    }

    /// Builds a configuration from flag values (keyed by setting) over `environment`.
    public init(flags: [Setting: String], environment: [String: String]) throws(ConfigurationError) {
        self.init()
        func value(_ setting: Setting) -> String? {
            (flags[setting] ?? environment[setting.environmentVariable]).flatMap { $0.isEmpty ? nil : $0 }
        }
        func integer(_ setting: Setting, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let text = value(setting) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw ConfigurationError(
                    setting: setting, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        if let host = value(.host) { self.host = host }
        if let port = try integer(.port, in: 0...65535) { self.port = port }
        if let domain = value(.baseDomain) { baseDomain = domain.lowercased() }
        if let text = value(.publicURL) {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme), url.host != nil else {
                throw ConfigurationError(setting: .publicURL, value: text, expected: "an http(s) URL such as https://mcp.example.com")
            }
            publicURL = url
        }
        databaseURL = value(.database)
        if let directory = value(.dataDir) { dataDirectory = directory }
        secretKey = value(.secretKey)
        if let token = value(.adminToken) {
            guard token.count >= 24 else {
                throw ConfigurationError(setting: .adminToken, value: token, expected: "at least 24 characters (openssl rand -hex 24)")
            }
            adminToken = token
        }
        if let token = value(.metricsToken) {
            guard token.count >= 24 else {
                throw ConfigurationError(setting: .metricsToken, value: token, expected: "at least 24 characters (openssl rand -hex 24)")
            }
            metricsToken = token
        }
        if let size = try integer(.databasePoolSize, in: 1...500) { databasePoolSize = size }
        if let bytes = try integer(.maxBodyBytes, in: 1024...(64 << 20)) { maxBodyBytes = bytes }
        if let megabytes = try integer(.maxUploadMegabytes, in: 1...1024) { maxUploadBytes = megabytes << 20 }
        if let bytes = try integer(.maxHeaderBytes, in: 4096...(1 << 20)) { maxHeaderBytes = bytes }
        if let bytes = try integer(.maxURLBytes, in: 256...maxHeaderBytes) { maxURLBytes = bytes }
        if let seconds = try integer(.readTimeoutSeconds, in: 1...3600) { readTimeout = TimeInterval(seconds) }
        if let count = try integer(.maxServersPerOrganization, in: 1...100_000) { maxServersPerOrganization = count }
        if let seconds = try integer(.accessTokenTTL, in: 5...86400) { accessTokenLifetime = TimeInterval(seconds) }
        if let seconds = try integer(.webhookRetrySeconds, in: 1...3600) { webhookRetryBase = TimeInterval(seconds) }
        if let megabytes = try integer(.searchCacheMegabytes, in: 1...(1 << 20)) { searchCacheBytes = megabytes << 20 }
        if let days = try integer(.analyticsRetentionDays, in: 1...3650) { analytics.retentionDays = days }
        if let seconds = try integer(.analyticsResolutionSeconds, in: 0...86400) { analytics.resolutionWindow = TimeInterval(seconds) }
        if let seconds = try integer(.analyticsIntervalSeconds, in: 1...3600) { analytics.processingInterval = .seconds(seconds) }
        if let seconds = try integer(.uptimeIntervalSeconds, in: 1...3600) { uptimeInterval = TimeInterval(seconds) }
        if let seconds = try integer(.alertIntervalSeconds, in: 1...3600) { alertInterval = TimeInterval(seconds) }
        if let hours = try integer(.backupIntervalHours, in: 0...8760) { backups.intervalHours = hours }
        if let count = try integer(.backupKeep, in: 1...10000) { backups.keep = count }
        backups.directory = value(.backupDir)
        if let text = value(.uptimeCheckURL) {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme), url.host != nil, url.query == nil else {
                throw ConfigurationError(
                    setting: .uptimeCheckURL, value: text, expected: "an http(s) base URL such as http://10.0.0.5:8080 (no query)")
            }
            uptimeCheckURL = url
        }
        if let text = value(.trustedProxies) {
            guard let proxies = TrustedProxies(text) else {
                throw ConfigurationError(
                    setting: .trustedProxies, value: text, expected: "addresses or CIDR ranges separated by commas, such as 10.0.0.0/8,::1")
            }
            trustedProxies = proxies
        }
        if let path = value(.outboundCAFile) {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigurationError(setting: .outboundCAFile, value: path, expected: "a readable PEM file of CA certificates")
            }
            outboundCAFile = path
        }
        if let text = value(.smtpURL) {
            do {
                smtp = try SMTPConfiguration(url: text)
            } catch {
                throw ConfigurationError(setting: .smtpURL, value: text, expected: error.description)
            }
        }
        if let text = value(.mailFrom) {
            do {
                mailFrom = try MailAddress(parsing: text)
            } catch {
                throw ConfigurationError(
                    setting: .mailFrom, value: MailAddress.printable(text), expected: "an address such as 'Acme Docs <no-reply@acme.dev>'")
            }
        } else if smtp != nil, (try? MailAddress(address: "no-reply@\(baseDomain)")) == nil {
            throw ConfigurationError(
                setting: .mailFrom, value: "", expected: "an address: the default no-reply@\(baseDomain) is not one, so set it")
        }
        if let seconds = try integer(.sessionIdleTimeout, in: 60...(30 * 86400)) { sessionIdleTimeout = TimeInterval(seconds) }
        if let kilobytes = try integer(.maxPageKilobytes, in: 16...(64 << 10)) { ingestLimits.maximumPageBytes = kilobytes << 10 }
        if let megabytes = try integer(.docsQuotaMegabytes, in: 1...(1 << 20)) { ingestLimits.maximumServerBytes = megabytes << 20 }
        if let text = value(.logLevel) {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError(
                    setting: .logLevel, value: text, expected: Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
            }
            logLevel = level
        }
        if let text = value(.logFormat) {
            guard let format = LogFormat(rawValue: text.lowercased()) else {
                throw ConfigurationError(setting: .logFormat, value: text, expected: "text or json")
            }
            logFormat = format
        }
        func flag(_ setting: Setting) throws(ConfigurationError) -> Bool? {
            guard let text = value(setting) else { return nil }
            guard let flag = ["true": true, "1": true, "yes": true, "false": false, "0": false, "no": false][text.lowercased()] else {
                throw ConfigurationError(setting: setting, value: text, expected: "true or false")
            }
            return flag
        }
        if let demo = try flag(.demo) { seedDemo = demo }
        if let allow = try flag(.allowPrivateURLs) { ingestLimits.allowPrivateNetworks = allow }
        if let capture = try flag(.analyticsCapture) { analytics.capture = capture }
        if let secretKey { _ = try SecretKey(base64: secretKey) }
        if let text = value(.embeddingsURL) {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme), url.host != nil else {
                throw ConfigurationError(
                    setting: .embeddingsURL, value: text, expected: "an http(s) base URL such as http://127.0.0.1:8000")
            }
            var embeddings = EmbeddingClient.Configuration(baseURL: url)
            embeddings.model = value(.embeddingsModel)
            embeddings.apiKey = value(.embeddingsAPIKey)
            if let text = value(.embeddingsInputType) {
                guard let inputType = EmbeddingClient.InputType(rawValue: text.lowercased()) else {
                    throw ConfigurationError(
                        setting: .embeddingsInputType, value: text,
                        expected: EmbeddingClient.InputType.allCases.map(\.rawValue).joined(separator: ", "))
                }
                embeddings.inputType = inputType
            }
            self.embeddings = embeddings
        }
    }
}

/// A setting with a value that cannot be used.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let setting: AppConfiguration.Setting
    public let value: String
    public let expected: String

    public var description: String {
        let shown =
            switch setting {
            case .secretKey, .adminToken, .metricsToken, .embeddingsAPIKey: "…"
            case .smtpURL: SMTPConfiguration.redact(value)
            default: value
            }
        return "invalid --\(setting.rawValue) / \(setting.environmentVariable) '\(shown)': expected \(expected)"
    }
}
