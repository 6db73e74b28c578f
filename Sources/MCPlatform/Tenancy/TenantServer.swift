import Foundation

/// A customer's hosted MCP server, reachable at `<slug>.<base-domain>/mcp` and `/mcp/<slug>`.
public struct TenantServer: Sendable, Equatable {
    public let id: Int64
    public let organizationID: Int64
    public let organizationSlug: String
    public let organizationName: String
    public let slug: String
    public let name: String
    public let authMode: AuthMode
    public let settings: ServerSettings
    public let createdAt: Date

    init(row: SQLRow) throws {
        id = try row.decode("id")
        organizationID = try row.decode("organization_id")
        organizationSlug = try row.decode("organization_slug")
        organizationName = try row.decode("organization_name")
        slug = try row.decode("slug")
        name = try row.decode("name")
        let mode: String = try row.decode("auth_mode")
        authMode = AuthMode(rawValue: mode) ?? .none
        settings = try ServerSettings(json: try row.decode("settings"))
        createdAt = try row.decode("created_at")
    }
}

/// How a server's end users connect.
public enum AuthMode: String, Sendable, Codable, CaseIterable {
    /// Anonymous; usage is attributed per client session.
    case none
    /// End users sign in through the customer's OAuth/OIDC provider.
    case oauth
}

/// Per-server options stored as JSON, so that features can add fields without a migration.
public struct ServerSettings: Sendable, Equatable, Codable {
    /// Browser origins (`https://docs.example.com`) allowed to call the MCP endpoint, besides the
    /// server's own host. Requests without an `Origin` header (non-browser clients) are always allowed.
    public var allowedOrigins: [String]
    /// A one-paragraph description shown to agents in `initialize` instructions and the `about` tool.
    public var description: String?
    /// MCP requests per minute allowed to one client (signed-in end user, else session, else
    /// address); nil: unlimited.
    public var clientRequestsPerMinute: Int?
    /// MCP requests per minute allowed to the whole server; nil: unlimited.
    public var serverRequestsPerMinute: Int?
    /// Whether agents may raise support tickets (`create_support_ticket` and the other ticket tools).
    public var supportTickets: Bool
    /// An `https` URL of the server's icon (the company's logo), which clients show next to the
    /// server (`serverInfo.icons`); nil: none.
    public var iconURL: String?

    public init(
        allowedOrigins: [String] = [], description: String? = nil, clientRequestsPerMinute: Int? = nil, serverRequestsPerMinute: Int? = nil,
        supportTickets: Bool = true
    ) {
        self.supportTickets = supportTickets
        self.allowedOrigins = allowedOrigins
        self.description = description
        self.clientRequestsPerMinute = clientRequestsPerMinute
        self.serverRequestsPerMinute = serverRequestsPerMinute
    }

    init(json: String) throws {
        self = try JSONDecoder().decode(ServerSettings.self, from: Data(json.utf8))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowedOrigins = try container.decodeIfPresent([String].self, forKey: .allowedOrigins) ?? []
        description = try container.decodeIfPresent(String.self, forKey: .description)
        clientRequestsPerMinute = try container.decodeIfPresent(Int.self, forKey: .clientRequestsPerMinute)
        serverRequestsPerMinute = try container.decodeIfPresent(Int.self, forKey: .serverRequestsPerMinute)
        supportTickets = try container.decodeIfPresent(Bool.self, forKey: .supportTickets) ?? true
        iconURL = try container.decodeIfPresent(String.self, forKey: .iconURL)
    }

    /// Why `text` can't be an icon URL (nil: it can): an absolute `https` URL with a host, no
    /// credentials, at most 2,000 characters.
    public static func iconURLProblem(_ text: String) -> String? {
        guard text.utf8.count <= 2000, let components = URLComponents(string: text), components.scheme == "https",
            components.host?.isEmpty == false, components.user == nil, components.password == nil
        else { return "an https:// URL of at most 2,000 characters, such as https://example.com/logo.png" }
        return nil
    }

}
