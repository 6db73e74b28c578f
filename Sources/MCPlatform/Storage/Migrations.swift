/// The schema's history. Append new migrations at the end; never edit an applied one.
public enum Migrations {
    public static let all: [Migration] = [tenancy]

    /// Organizations, their MCP servers, and the MCP endpoint's sessions.
    static let tenancy = Migration(version: 1, name: "tenancy") { dialect in
        [
            """
            CREATE TABLE organizations (
                id \(dialect.autoIncrementPrimaryKey),
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE mcp_servers (
                id \(dialect.autoIncrementPrimaryKey),
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                auth_mode TEXT NOT NULL DEFAULT 'none' CHECK (auth_mode IN ('none', 'oauth')),
                settings TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX mcp_servers_organization ON mcp_servers (organization_id)",
            """
            CREATE TABLE mcp_sessions (
                id TEXT PRIMARY KEY,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                protocol_version TEXT NOT NULL,
                client_name TEXT,
                client_version TEXT,
                client_capabilities TEXT NOT NULL DEFAULT '{}',
                initialized BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL,
                ended_at BIGINT
            )
            """,
            "CREATE INDEX mcp_sessions_server ON mcp_sessions (server_id, last_seen_at)",
        ]
    }
}
