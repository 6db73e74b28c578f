import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MCPlatform

/// `mcplatform serve`: runs the HTTP server until SIGTERM/SIGINT, then drains and exits.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the platform's HTTP server.")

    @Option(help: "Address to listen on. Env: MCPLATFORM_HOST. Default: 127.0.0.1.") var host: String?
    @Option(help: "Port to listen on. Env: MCPLATFORM_PORT. Default: 8080.") var port: String?
    @Option(help: "Servers are reachable at <slug>.<base-domain>. Env: MCPLATFORM_BASE_DOMAIN. Default: localhost.") var baseDomain: String?
    @Option(help: "The platform's URL as clients see it, e.g. https://mcp.example.com. Env: MCPLATFORM_PUBLIC_URL.") var publicURL: String?
    @OptionGroup var storage: DatabaseOptions
    @Option(help: "Base64 of 32 random bytes; generated into <data-dir>/secret.key when absent. Env: MCPLATFORM_SECRET_KEY.") var secretKey:
        String?
    @Option(help: "Database connections per instance. Env: MCPLATFORM_DB_POOL_SIZE. Default: 10.") var dbPoolSize: String?
    @Option(help: "Largest accepted request body in bytes. Env: MCPLATFORM_MAX_BODY_BYTES. Default: 1048576.") var maxBodyBytes: String?
    @Option(help: "Largest documentation upload in the dashboard, in MiB (uncompressed). Env: MCPLATFORM_MAX_UPLOAD_MB. Default: 100.")
    var maxUploadMb: String?
    @Option(
        help:
            "Largest request head (request line and headers) in bytes; larger ones get 431. Env: MCPLATFORM_MAX_HEADER_BYTES. Default: 32768."
    )
    var maxHeaderBytes: String?
    @Option(help: "Longest request URL (path and query) in bytes; longer ones get 414. Env: MCPLATFORM_MAX_URL_BYTES. Default: 8192.")
    var maxUrlBytes: String?
    @Option(
        help:
            "Seconds a connection may stay idle or take to send a request head; a body gets as long plus 1 s per 8 KiB. Env: MCPLATFORM_READ_TIMEOUT_SECONDS. Default: 60."
    )
    var readTimeoutSeconds: String?
    @Option(help: "MCP servers one organization may have. Env: MCPLATFORM_MAX_SERVERS_PER_ORG. Default: 20.") var maxServersPerOrg: String?
    @Option(help: "Seconds after which an idle MCP session expires. Env: MCPLATFORM_SESSION_IDLE_TIMEOUT. Default: 86400.")
    var sessionIdleTimeout: String?
    @Option(help: "Largest documentation page ingested, in KiB. Env: MCPLATFORM_MAX_PAGE_KB. Default: 4096.") var maxPageKb: String?
    @Option(help: "Documentation bytes per server, in MiB. Env: MCPLATFORM_DOCS_QUOTA_MB. Default: 512.") var docsQuotaMb: String?
    @Flag(
        name: .customLong("allow-private-urls"),
        help: "Let ingestion jobs fetch from private and loopback addresses. Env: MCPLATFORM_ALLOW_PRIVATE_URLS=true.")
    var allowPrivateURLs = false
    @Option(help: "trace, debug, info, notice, warning, error or critical. Env: MCPLATFORM_LOG_LEVEL. Default: info.") var logLevel: String?
    @Option(help: "text or json. Env: MCPLATFORM_LOG_FORMAT. Default: text.") var logFormat: String?
    @Flag(help: "Create a demo organization and server when missing. Env: MCPLATFORM_DEMO=true.") var demo = false
    @Option(help: "Bearer token of the admin API (/api/v1), at least 24 characters; unset disables it. Env: MCPLATFORM_ADMIN_TOKEN.")
    var adminToken: String?
    @Option(
        help:
            "Bearer token that /metrics requires, at least 24 characters; unset: only loopback clients may read it. Env: MCPLATFORM_METRICS_TOKEN."
    )
    var metricsToken: String?
    @Option(help: "Lifetime in seconds of the access tokens issued to MCP clients. Env: MCPLATFORM_ACCESS_TOKEN_TTL. Default: 900.")
    var accessTokenTtl: String?
    @Option(
        help: "PEM file of extra CA certificates trusted for outbound HTTPS (IdPs behind a private CA). Env: MCPLATFORM_OUTBOUND_CA_FILE.")
    var outboundCaFile: String?
    @Option(
        help: ArgumentHelp(
            "SMTP relay for the platform's email: smtp://user:pass@host:587 (STARTTLS when offered), smtps://user:pass@host:465 or smtp://host:25; ?starttls=require|never. Unset: email waits in the operator console. Env: MCPLATFORM_SMTP_URL.",
            valueName: "url"))
    var smtpUrl: String?
    @Option(
        help:
            "From of the platform's email, e.g. 'Acme Docs <no-reply@acme.dev>'. Env: MCPLATFORM_MAIL_FROM. Default: MCPlatform <no-reply@<base-domain>>."
    )
    var mailFrom: String?
    @Option(
        help:
            "Seconds before a failed webhook delivery is retried; each further retry waits twice as long, at most an hour. Env: MCPLATFORM_WEBHOOK_RETRY_SECONDS. Default: 30."
    )
    var webhookRetrySeconds: String?
    @Option(
        help:
            "Memory, in MiB, the in-memory search indexes of all servers may take; the least recently searched are dropped beyond it. Env: MCPLATFORM_SEARCH_CACHE_MB. Default: 512."
    )
    var searchCacheMb: String?
    @Option(
        help:
            "Days raw MCP events are kept for analytics; usage sessions and daily rollups are kept for good. Env: MCPLATFORM_ANALYTICS_RETENTION_DAYS. Default: 90."
    )
    var analyticsRetentionDays: String?
    @Option(
        help:
            "Seconds after a search during which reading a result, searching again or raising a ticket decides whether it was resolved. Env: MCPLATFORM_ANALYTICS_RESOLUTION_SECONDS. Default: 600."
    )
    var analyticsResolutionSeconds: String?
    @Option(help: "Seconds between analytics processing rounds. Env: MCPLATFORM_ANALYTICS_INTERVAL_SECONDS. Default: 5.")
    var analyticsIntervalSeconds: String?
    @Option(
        help:
            "false: record no MCP requests (no analytics, no session timeline on tickets). Env: MCPLATFORM_ANALYTICS_CAPTURE. Default: true."
    )
    var analyticsCapture: String?
    @Option(
        help:
            "Seconds between rounds of uptime checks (each server is checked once a minute). Env: MCPLATFORM_UPTIME_INTERVAL_SECONDS. Default: 60."
    )
    var uptimeIntervalSeconds: String?
    @Option(help: "Seconds between evaluations of the alert rules. Env: MCPLATFORM_ALERT_INTERVAL_SECONDS. Default: 60.")
    var alertIntervalSeconds: String?
    @Option(
        help:
            "Base URL the uptime checks call (<url>/mcp/<slug>), e.g. the load balancer. Env: MCPLATFORM_UPTIME_CHECK_URL. Default: this instance's listener."
    )
    var uptimeCheckUrl: String?
    @Option(
        help:
            "Load balancers whose X-Forwarded-For gives the client's address: addresses or CIDR ranges, comma-separated (e.g. 10.0.0.0/8,::1). Env: MCPLATFORM_TRUSTED_PROXIES. Default: none (the header is ignored)."
    )
    var trustedProxies: String?
    @Option(
        help: "Hours between backups of the SQLite database; 0 turns them off. Env: MCPLATFORM_BACKUP_INTERVAL_HOURS. Default: 24.")
    var backupIntervalHours: String?
    @Option(help: "Directory of the scheduled backups. Env: MCPLATFORM_BACKUP_DIR. Default: <data-dir>/backups.") var backupDir: String?
    @Option(help: "Scheduled backups kept; older ones are deleted. Env: MCPLATFORM_BACKUP_KEEP. Default: 7.") var backupKeep: String?
    @OptionGroup var embeddings: EmbeddingOptions

    func run() async throws {
        var flags = storage.flags.merging(embeddings.flags) { _, embedding in embedding }
        flags[.host] = host
        flags[.port] = port
        flags[.baseDomain] = baseDomain
        flags[.publicURL] = publicURL
        flags[.secretKey] = secretKey
        flags[.databasePoolSize] = dbPoolSize
        flags[.maxBodyBytes] = maxBodyBytes
        flags[.maxUploadMegabytes] = maxUploadMb
        flags[.maxHeaderBytes] = maxHeaderBytes
        flags[.maxURLBytes] = maxUrlBytes
        flags[.readTimeoutSeconds] = readTimeoutSeconds
        flags[.maxServersPerOrganization] = maxServersPerOrg
        flags[.sessionIdleTimeout] = sessionIdleTimeout
        flags[.logLevel] = logLevel
        flags[.logFormat] = logFormat
        flags[.maxPageKilobytes] = maxPageKb
        flags[.docsQuotaMegabytes] = docsQuotaMb
        flags[.adminToken] = adminToken
        flags[.metricsToken] = metricsToken
        flags[.accessTokenTTL] = accessTokenTtl
        flags[.outboundCAFile] = outboundCaFile
        flags[.smtpURL] = smtpUrl
        flags[.mailFrom] = mailFrom
        flags[.webhookRetrySeconds] = webhookRetrySeconds
        flags[.searchCacheMegabytes] = searchCacheMb
        flags[.analyticsRetentionDays] = analyticsRetentionDays
        flags[.analyticsResolutionSeconds] = analyticsResolutionSeconds
        flags[.analyticsIntervalSeconds] = analyticsIntervalSeconds
        flags[.analyticsCapture] = analyticsCapture
        flags[.uptimeIntervalSeconds] = uptimeIntervalSeconds
        flags[.alertIntervalSeconds] = alertIntervalSeconds
        flags[.uptimeCheckURL] = uptimeCheckUrl
        flags[.trustedProxies] = trustedProxies
        flags[.backupIntervalHours] = backupIntervalHours
        flags[.backupDir] = backupDir
        flags[.backupKeep] = backupKeep
        if demo { flags[.demo] = "true" }
        if allowPrivateURLs { flags[.allowPrivateURLs] = "true" }
        let configuration = try AppConfiguration(flags: flags, environment: ProcessInfo.processInfo.environment)

        let level = configuration.logLevel
        switch configuration.logFormat {
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        // One registry for the platform's metrics and whatever reports through swift-metrics.
        let metrics = PlatformMetrics()
        metrics.bootstrapMetricsSystem()
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "mcplatform"), metrics: metrics)
        try await app.runService()
    }
}
