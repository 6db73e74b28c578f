import Foundation
import Logging

/// The services every feature uses, created once at start-up and shared by all requests.
public struct Platform: Sendable {
    /// The version reported to MCP clients and by `mcplatform --version`.
    public static let version = "0.1.0"

    public let configuration: AppConfiguration
    /// Master key for secrets at rest and token signing.
    public let secretKey: SecretKey
    public let database: any Database
    public let tenancy: TenancyStore
    public let sessions: MCPSessionStore
    public let tools: ToolRegistry
    /// What `prompts/*` offer.
    public let prompts = PromptRegistry.standard
    /// What `resources/*` serve: the documentation pages.
    public let resources: any MCPResourceProvider
    /// The embedding vectors searches compare against, kept in memory.
    public let vectors = VectorCache()
    /// The servers' search indexes, kept in memory.
    public let searchIndexes: SearchIndexCache
    /// End-user sign-in: the per-server authorization servers and the customers' identity providers.
    public let auth: AuthServices
    /// The server-rendered pages.
    public let pages = HTMLPages()
    /// The per-server and per-client request limits (token buckets in the database).
    let rateLimiter: RequestRateLimiter
    /// Per-server request counts and latencies (the dashboard's live status).
    public let requestStatistics = RequestStatistics()
    /// Every request MCP servers answer, buffered and written in batches (analytics, and a
    /// ticket's session timeline).
    public let events = MCPEventLog()
    /// Dashboard accounts: users, sessions, memberships, invitations.
    public let accounts: AccountServices
    /// What `/metrics` exposes.
    public let metrics: PlatformMetrics
    /// Unexpected errors, buffered and written in batches (the operator's error page).
    public let errors = ErrorTracker()
    /// Whether servers have walkthroughs, which decides on every `tools/list` and `tools/call`
    /// whether the walkthrough tools are offered.
    let walkthroughPresence = ExpiringCache<WalkthroughStore.Presence, Bool>(changes: WalkthroughStore.changes)

    public init(
        configuration: AppConfiguration, secretKey: SecretKey, database: any Database, tools: ToolRegistry = .standard,
        metrics: PlatformMetrics = PlatformMetrics()
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.secretKey = secretKey
        self.database = database
        self.tenancy = TenancyStore(database: database, maximumServersPerOrganization: configuration.maxServersPerOrganization)
        self.sessions = MCPSessionStore(database: database, idleTimeout: configuration.sessionIdleTimeout)
        self.tools = tools
        self.resources = DocsResources()
        self.searchIndexes = SearchIndexCache(maximumBytes: configuration.searchCacheBytes)
        self.rateLimiter = RequestRateLimiter(database: database)
        self.auth = AuthServices(database: database, secretKey: secretKey, configuration: configuration)
        self.accounts = AccountServices(
            database: database, secretKey: secretKey, passwordHasher: PasswordHasher(cost: configuration.passwordHashCost),
            mailRelay: configuration.smtp?.redactedURL)
    }

    /// Semantic ranking for searches, when an embedding endpoint is configured.
    public func semanticSearch(logger: Logger) -> SemanticSearch? {
        configuration.embeddings.map { SemanticSearch(client: EmbeddingClient(configuration: $0), cache: vectors, logger: logger) }
    }
}

extension ToolRegistry {
    /// The tools of the product, in the order `tools/list` shows them.
    public static var standard: ToolRegistry {
        ToolRegistry([
            SearchDocsTool(), ReadPageTool(), ListSourcesTool(), AboutTool(),
            ListWalkthroughsTool(), StartWalkthroughTool(), GetWalkthroughStepTool(), CompleteStepTool(),
            CreateSupportTicketTool(), GetSupportTicketTool(), ListMyTicketsTool(), SubmitFeedbackTool(),
        ])
    }
}
