import Foundation

/// Where a server is reached, and how each MCP client is told so: the install instructions
/// of the overview page.
struct ServerEndpoints {
    let slug: String
    /// `https://acme.mcp.example.com/mcp`.
    let hostForm: String
    /// `https://mcp.example.com/mcp/acme`.
    let pathForm: String

    init(slug: String, configuration: AppConfiguration) {
        self.slug = slug
        hostForm = configuration.endpointURL(for: slug)
        pathForm = configuration.publicOrigin + "/mcp/" + slug
        preferHost = URL(string: configuration.publicOrigin)?.host == configuration.baseDomain
    }

    /// Whether tenant subdomains resolve: the public URL is on the base domain itself, where
    /// wildcard DNS is expected. Otherwise (e.g. `http://127.0.0.1:8080`) the path form is shown.
    private let preferHost: Bool

    /// The URL shown to customers.
    var primary: String { preferHost ? hostForm : pathForm }
    /// The other form, which works too.
    var alternative: String { preferHost ? pathForm : hostForm }

    /// One client's instructions: a title, text to copy, and optionally a link that installs.
    struct Instruction {
        let id: String
        let client: String
        let steps: String
        let copy: String
        var link: String?
    }

    func instructions(name: String) -> [Instruction] {
        let url = primary
        let key = slug
        let cursorConfig = Data(#"{"url":"\#(url)"}"#.utf8).base64EncodedString()
        let vscodeConfig = #"{"name":"\#(key)","type":"http","url":"\#(url)"}"#
        let desktop = """
            {
              "mcpServers": {
                "\(key)": {
                  "command": "npx",
                  "args": ["-y", "mcp-remote", "\(url)"]
                }
              }
            }
            """
        let json = """
            {
              "mcpServers": {
                "\(key)": {
                  "type": "http",
                  "url": "\(url)"
                }
              }
            }
            """
        return [
            Instruction(
                id: "install-cursor", client: "Cursor",
                steps: "Click “Add to Cursor”, or add this to ~/.cursor/mcp.json under mcpServers.",
                copy: #""\#(key)": { "url": "\#(url)" }"#,
                link:
                    "cursor://anysphere.cursor-deeplink/mcp/install?name=\(FormEncoding.escape(key))&config=\(FormEncoding.escape(cursorConfig))"
            ),
            Instruction(
                id: "install-vscode", client: "VS Code", steps: "Click “Add to VS Code”, or run this in a terminal.",
                copy: "code --add-mcp '\(vscodeConfig)'", link: "vscode:mcp/install?" + FormEncoding.escape(vscodeConfig)),
            Instruction(
                id: "install-claude-code", client: "Claude Code", steps: "Run this in a terminal.",
                copy: "claude mcp add --transport http \(key) \(url)"),
            Instruction(
                id: "install-claude-desktop", client: "Claude Desktop",
                steps: "Settings → Connectors → Add custom connector with the URL above; or, for the config file, use mcp-remote:",
                copy: desktop),
            Instruction(id: "install-json", client: "Other clients", steps: "Most clients accept this JSON.", copy: json),
        ]
    }
}

/// Counts shown on the dashboard's server cards and overview.
struct ServerStatistics {
    let database: any Database

    struct Summary {
        var sources = 0
        var pages = 0
        /// Distinct participants (end users, else anonymous clients) with a usage session in the
        /// last 24 hours, on every protocol revision (docs/analytics.md).
        var usersLastDay = 0
        var endUsers = 0
    }

    /// The last MCP request of each server: the newest legacy session activity or usage session
    /// (which also covers stateless 2026-07-28 requests).
    func lastActivity() async throws -> [Int64: Date] {
        var last: [Int64: Date] = [:]
        for statement: SQLStatement in [
            "SELECT server_id, MAX(last_seen_at) AS seen FROM mcp_sessions GROUP BY server_id",
            "SELECT server_id, MAX(last_activity_at) AS seen FROM analytics_sessions GROUP BY server_id",
        ] {
            for row in try await database.query(statement) {
                let server: Int64 = try row.decode("server_id")
                if let seen = try row.decode("seen", as: Date?.self) { last[server] = max(seen, last[server] ?? seen) }
            }
        }
        return last
    }

    func summaries(serverIDs: [Int64], now: Date = Date()) async throws -> [Int64: Summary] {
        guard !serverIDs.isEmpty else { return [:] }
        let ids = SQLStatement.joined(serverIDs.map { id -> SQLStatement in "\(id)" })
        let dayAgo = now.addingTimeInterval(-86400)
        let sources = try await counts("SELECT server_id, COUNT(*) AS n FROM doc_sources WHERE server_id IN (\(ids)) GROUP BY server_id")
        let pages = try await counts("SELECT server_id, COUNT(*) AS n FROM doc_pages WHERE server_id IN (\(ids)) GROUP BY server_id")
        let users = try await counts(
            """
            SELECT server_id, COUNT(DISTINCT participant) AS n FROM analytics_sessions
            WHERE server_id IN (\(ids)) AND last_activity_at > \(dayAgo) GROUP BY server_id
            """)
        let endUsers = try await counts("SELECT server_id, COUNT(*) AS n FROM end_users WHERE server_id IN (\(ids)) GROUP BY server_id")
        var summaries: [Int64: Summary] = [:]
        for id in serverIDs {
            summaries[id] = Summary(
                sources: sources[id] ?? 0, pages: pages[id] ?? 0, usersLastDay: users[id] ?? 0, endUsers: endUsers[id] ?? 0)
        }
        return summaries
    }

    /// `n` by `server_id` from a grouped count.
    private func counts(_ statement: SQLStatement) async throws -> [Int64: Int] {
        var counts: [Int64: Int] = [:]
        for row in try await database.query(statement) {
            counts[try row.decode("server_id")] = Int(try row.decode("n", as: Int64.self))
        }
        return counts
    }
}
