import Hummingbird
import Logging
import ServiceLifecycle

/// Opens and migrates the database, then builds the HTTP application serving every tenant.
/// The database is closed after the server has drained, on graceful shutdown.
public func buildApplication(configuration: AppConfiguration, logger: Logger, metrics: PlatformMetrics = PlatformMetrics()) async throws
    -> some ApplicationProtocol
{
    // The relay's TLS context (with the operator's CA file) first: a bad file stops the start here.
    var mailClient: SMTPClient?
    if let smtp = configuration.smtp {
        do {
            mailClient = try SMTPClient(configuration: smtp, caFile: configuration.outboundCAFile)
        } catch {
            throw ConfigurationError(
                setting: .outboundCAFile, value: configuration.outboundCAFile ?? "", expected: "a PEM file of CA certificates (\(error))")
        }
    }
    let secretKey = try SecretKey.load(configured: configuration.secretKey, dataDirectory: configuration.dataDirectory)
    let location = try configuration.databaseLocation()
    let database = try await location.open(poolSize: configuration.databasePoolSize, logger: logger)
    do {
        let applied = try await Migrator().migrate(database)
        logger.info("database ready", metadata: ["database": .string(location.description), "migrations.applied": "\(applied.count)"])
    } catch {
        await database.close()
        throw error
    }
    let platform = Platform(configuration: configuration, secretKey: secretKey, database: database, metrics: metrics)
    if configuration.seedDemo {
        let demo = try await DemoTenant.ensure(in: platform.tenancy)
        try await DemoTenant.queueDocs(of: demo, database: database, logger: logger)
        try await DemoTenant.ensureAccount(of: demo, platform: platform)
        try await DemoTenant.ensureWalkthrough(of: demo, database: database)
        logger.notice(
            "demo dashboard",
            metadata: [
                "url": .string(configuration.publicOrigin + "/login"), "email": .string(DemoTenant.accountEmail),
                "password": .string(DemoTenant.accountPassword),
            ])
    }
    for server in try await platform.tenancy.servers().prefix(20) {
        logger.info(
            "serving MCP server",
            metadata: [
                "tenant": .string(server.slug),
                "endpoint": .string(configuration.endpointURL(for: server.slug)),
                "path_endpoint": .string("http://\(configuration.host):\(configuration.port)/mcp/\(server.slug)"),
            ]
        )
    }
    let flusher = BufferFlusher(what: "request statistics, MCP events and errors", interval: .seconds(1), logger: logger) {
        [statistics = platform.requestStatistics, events = platform.events, errors = platform.errors] in
        try await events.flush(to: database)
        try await statistics.flush(to: database)
        try await errors.flush(to: database)
    }
    var services: [any Service] = [
        DatabaseCloser(database: database, finalFlush: flusher),
        ExpiredDataSweeper(platform: platform, interval: .seconds(600), logger: logger),
    ]
    services.append(flusher)
    services.append(AnalyticsService(processor: AnalyticsProcessor(database: database, settings: configuration.analytics), logger: logger))
    services += [
        IngestWorker(
            jobs: IngestJobStore(database: database),
            runner: IngestRunner(
                database: database, limits: configuration.ingestLimits, embeddings: configuration.embeddings,
                cacheDirectory: configuration.dataDirectory, logger: logger
            ),
            pollInterval: .seconds(2), logger: logger
        ),
        WebhookSender(
            queue: WebhookQueue(database: database), secretKey: secretKey,
            http: OutboundHTTP(allowPrivateNetworks: configuration.ingestLimits.allowPrivateNetworks, caFile: configuration.outboundCAFile),
            retryBase: configuration.webhookRetryBase, logger: logger),
        UptimeChecker(
            platform: platform, interval: .seconds(configuration.uptimeInterval), baseURL: configuration.uptimeBaseURL, logger: logger),
        AlertEvaluator(platform: platform, interval: .seconds(configuration.alertInterval), logger: logger),
    ]
    if case .sqlite(let path) = location, configuration.backups.intervalHours > 0 {
        services.append(
            BackupScheduler(
                databasePath: path, settings: configuration.backups, directory: configuration.backupDirectory, platform: platform,
                logger: logger))
    }
    if let mailClient {
        services.append(
            OutboxSender(
                outbox: platform.accounts.outbox, client: mailClient, from: configuration.mailSender, pollInterval: .seconds(2),
                logger: logger))
    } else {
        logger.notice("no SMTP relay configured (--smtp-url): email waits in the operator console")
    }
    return Application(
        router: buildRouter(platform: platform),
        server: .http1(configuration: configuration.http1Configuration(logger: logger)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "mcplatform"),
        services: services,
        logger: logger
    )
}

/// The routes of the platform. Separate from ``buildApplication(configuration:logger:)`` so that
/// tests can drive it without sockets.
public func buildRouter(platform: Platform) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ForwardedClientMiddleware(proxies: platform.configuration.trustedProxies))
    router.add(middleware: SecurityHeadersMiddleware(servedOverTLS: platform.configuration.publicOrigin.hasPrefix("https://")))
    router.add(middleware: HTTPMetricsMiddleware(metrics: platform.metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorTrackingMiddleware(errors: platform.errors))
    HealthRoutes(database: platform.database).addRoutes(to: router)
    MetricsRoutes(platform: platform).addRoutes(to: router)
    MCPEndpoint(platform: platform).addRoutes(to: router)
    AuthorizationServerRoutes(platform: platform).addRoutes(to: router)
    platform.pages.addRoutes(to: router)
    DashboardRoutes(platform: platform).addRoutes(to: router)
    let api = router.group("api/v1").add(
        middleware: AdminAuthMiddleware(token: platform.configuration.adminToken, keys: platform.accounts.apiKeys))
    DocsAdminRoutes(platform: platform).addRoutes(to: api)
    WalkthroughAdminRoutes(platform: platform).addRoutes(to: api)
    AnalyticsAdminRoutes(platform: platform).addRoutes(to: api)
    AuthAdminRoutes(platform: platform).addRoutes(to: api)
    OnboardingAdminRoutes(platform: platform).addRoutes(to: api)
    ServerAdminRoutes(platform: platform).addRoutes(to: api)
    return router
}

/// Closes the database last, once every other service has stopped.
private struct DatabaseCloser: Service {
    let database: any Database
    /// Buffers written one last time before the database closes.
    let finalFlush: BufferFlusher

    func run() async throws {
        // Returns at graceful shutdown, or early when the group is cancelled (a service ended
        // out of turn): the buffers are written either way, while the database is open.
        try? await gracefulShutdown()
        await finalFlush.flushOnce()
        await database.close()
    }
}
