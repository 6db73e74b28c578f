import Foundation

/// Storage of organizations and their MCP servers.
///
/// Slugs are global (they are host names), so looking a server up by slug is how a request finds
/// its tenant; everything after that is scoped by the server's id.
public struct TenancyStore: Sendable {
    let database: any Database
    /// MCP servers one organization may have (`--max-servers-per-org`); nil: no limit.
    let maximumServersPerOrganization: Int?
    /// The servers MCP requests were routed to (``cachedServer(slug:)``), by slug; nil: no such server.
    let serverCache = ExpiringCache<String, TenantServer?>(changes: TenancyStore.changes)

    /// Writes to servers and organizations on this instance, for the caches of servers.
    static let changes = ChangeCounter()

    public init(database: any Database, maximumServersPerOrganization: Int? = nil) {
        self.database = database
        self.maximumServersPerOrganization = maximumServersPerOrganization
    }

    // MARK: Organizations

    public func createOrganization(slug: Slug, name: String) async throws(TenancyError) -> Organization {
        let name = try Self.validName(name, default: slug.value)
        return try await Self.mapErrors(conflict: .organizationExists(slug.value)) {
            let row = try await database.one(
                """
                INSERT INTO organizations (slug, name, created_at) VALUES (\(slug.value), \(name), \(Date()))
                RETURNING id, slug, name, created_at
                """
            )
            return try Organization(row: row)
        }
    }

    public func organizations() async throws -> [Organization] {
        try await database.query("SELECT id, slug, name, created_at FROM organizations ORDER BY slug").map(Organization.init)
    }

    public func organization(id: Int64) async throws -> Organization? {
        try await database.first("SELECT id, slug, name, created_at FROM organizations WHERE id = \(id)").map(Organization.init)
    }

    public func organization(slug: String) async throws -> Organization? {
        try await database.first("SELECT id, slug, name, created_at FROM organizations WHERE slug = \(slug)").map(Organization.init)
    }

    // MARK: Servers

    public func createServer(
        slug: Slug,
        name: String,
        organization: Organization,
        authMode: AuthMode = .none,
        settings: ServerSettings = ServerSettings()
    ) async throws(TenancyError) -> TenantServer {
        let name = try Self.validName(name, default: slug.value)
        let server = try await Self.mapErrors(conflict: .serverExists(slug.value)) {
            let now = Date()
            try await database.transaction { [maximumServersPerOrganization] db in
                if let maximum = maximumServersPerOrganization {
                    // Concurrent creations in one organization wait for each other here (SQLite
                    // has a single writer), so the count they check is the one they add to.
                    if db.dialect == .postgres {
                        try await db.query("SELECT id FROM organizations WHERE id = \(organization.id) FOR UPDATE")
                    }
                    let count: Int = try await db.one(
                        "SELECT count(*) AS n FROM mcp_servers WHERE organization_id = \(organization.id)"
                    ).decode("n")
                    guard count < maximum else { throw TenancyError.serverQuotaReached(organization.slug, maximum: maximum) }
                }
                let created = try await db.one(
                    """
                    INSERT INTO mcp_servers (organization_id, slug, name, auth_mode, settings, created_at, updated_at)
                    VALUES (\(organization.id), \(slug.value), \(name), \(authMode.rawValue), \(settings.jsonColumn), \(now), \(now))
                    RETURNING id
                    """
                )
                try await SearchRevisions.bump(serverID: try created.decode("id"), in: db)
            }
            SearchRevisions.committed()
            Self.changes.bump()
            return try await self.server(slug: slug.value)
        }
        guard let server else { throw .serverNotFound(slug.value) }
        return server
    }

    /// The server with `slug`, with its organization's slug and name.
    public func server(slug: String) async throws -> TenantServer? {
        try await database.first(Self.selectServers + " WHERE s.slug = \(slug)").map(TenantServer.init)
    }

    /// ``server(slug:)`` as of at most a second ago (``ExpiringCache``): for MCP requests, which
    /// look their server up every time. A string no server could have as its slug is answered
    /// without a query and not kept (anyone can send those).
    public func cachedServer(slug: String) async throws -> TenantServer? {
        guard (try? Slug(slug, reserved: [])) != nil else { return nil }
        return try await serverCache.value(for: slug) { try await server(slug: slug) }
    }

    public func server(id: Int64) async throws -> TenantServer? {
        try await database.first(Self.selectServers + " WHERE s.id = \(id)").map(TenantServer.init)
    }

    /// All servers, or those of one organization, by slug.
    public func servers(organizationID: Int64? = nil) async throws -> [TenantServer] {
        let filter: SQLStatement = organizationID.map { " WHERE s.organization_id = \($0)" } ?? ""
        return try await database.query(Self.selectServers + filter + " ORDER BY s.slug").map(TenantServer.init)
    }

    /// Deletes the server and everything it owns (by cascade, and its search index). Returns
    /// whether it existed.
    @discardableResult
    public func deleteServer(slug: String) async throws -> Bool {
        defer { Self.changes.bump() }
        return try await database.transaction { db in
            guard let row = try await db.first("DELETE FROM mcp_servers WHERE slug = \(slug) RETURNING id") else { return false }
            try await SearchIndex.drop(serverID: try row.decode("id"), in: db)
            return true
        }
    }

    private static let selectServers: SQLStatement = """
        SELECT s.id, s.organization_id, o.slug AS organization_slug, o.name AS organization_name,
               s.slug, s.name, s.auth_mode, s.settings, s.created_at
        FROM mcp_servers s JOIN organizations o ON o.id = s.organization_id
        """

    private static func validName(_ name: String, default fallback: String) throws(TenancyError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 200 else { throw .invalidName("name must be at most 200 characters") }
        return trimmed.isEmpty ? fallback : trimmed
    }

    private static func mapErrors<T>(conflict: TenancyError, _ body: () async throws -> T) async throws(TenancyError) -> T {
        do {
            return try await body()
        } catch DatabaseError.uniqueViolation {
            throw conflict
        } catch let error as TenancyError {
            throw error
        } catch let error as DatabaseError {
            throw .storage(error)
        } catch {
            throw .storage(.backend(String(describing: error)))
        }
    }
}

/// Why a tenancy operation failed, worded for the person who asked.
public enum TenancyError: Error, Sendable, CustomStringConvertible {
    case organizationExists(String)
    case organizationNotFound(String)
    case serverExists(String)
    case serverNotFound(String)
    case invalidName(String)
    case serverQuotaReached(String, maximum: Int)
    case storage(DatabaseError)

    public var description: String {
        switch self {
        case .organizationExists(let slug): "an organization with slug '\(slug)' already exists"
        case .organizationNotFound(let slug): "no organization with slug '\(slug)'"
        case .serverExists(let slug): "an MCP server with slug '\(slug)' already exists"
        case .serverNotFound(let slug): "no MCP server with slug '\(slug)'"
        case .invalidName(let reason): reason
        case .serverQuotaReached(let slug, let maximum):
            "organization '\(slug)' already has \(maximum) MCP servers, the most allowed (--max-servers-per-org): delete one first"
        case .storage(let error): "storage error: \(error)"
        }
    }
}

extension TenancyStore {
    /// Deletes an organization with everything it owns.
    public func deleteOrganization(id: Int64) async throws -> Bool {
        defer { Self.changes.bump() }
        return try await !database.query("DELETE FROM organizations WHERE id = \(id) RETURNING id").isEmpty
    }

    /// Renames a server and replaces its settings.
    public func updateServer(id: Int64, name: String, settings: ServerSettings) async throws {
        try await database.query(
            "UPDATE mcp_servers SET name = \(name), settings = \(settings.jsonColumn), updated_at = \(Date()) WHERE id = \(id)")
        Self.changes.bump()
    }

    /// Sets how `serverID`'s end users connect.
    public func setAuthMode(_ mode: AuthMode, serverID: Int64) async throws {
        try await database.query("UPDATE mcp_servers SET auth_mode = \(mode.rawValue), updated_at = \(Date()) WHERE id = \(serverID)")
        Self.changes.bump()
    }
}
