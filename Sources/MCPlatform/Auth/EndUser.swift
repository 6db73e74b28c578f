import Foundation

/// A customer's end user, signed in through the customer's identity provider. Identified by the
/// provider's subject, unique per MCP server.
public struct EndUser: Sendable, Equatable {
    public let id: Int64
    public let serverID: Int64
    /// The identity provider's stable identifier of the user.
    public let subject: String
    public let email: String?
    public let name: String?

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        subject = try row.decode("subject")
        email = try row.decode("email")
        name = try row.decode("name")
    }
}

/// What an identity provider said about the user who signed in.
struct UpstreamIdentity: Sendable, Equatable {
    let subject: String
    let email: String?
    let name: String?
}

/// Storage of end users, scoped by server.
struct EndUserStore: Sendable {
    let database: any Database

    /// Creates the user on first sign-in, or refreshes their email and name.
    func upsert(_ identity: UpstreamIdentity, serverID: Int64, now: Date = Date()) async throws -> EndUser {
        try EndUser(
            row: await database.one(
                """
                INSERT INTO end_users (server_id, subject, email, name, created_at, last_seen_at)
                VALUES (\(serverID), \(identity.subject), \(identity.email), \(identity.name), \(now), \(now))
                ON CONFLICT (server_id, subject) DO UPDATE SET email = excluded.email, name = excluded.name, last_seen_at = excluded.last_seen_at
                RETURNING \(raw: Self.columns)
                """
            ))
    }

    func find(id: Int64, serverID: Int64) async throws -> EndUser? {
        try await database.first("SELECT \(raw: Self.columns) FROM end_users WHERE id = \(id) AND server_id = \(serverID)")
            .map(EndUser.init)
    }

    private static let columns = "id, server_id, subject, email, name"
}
