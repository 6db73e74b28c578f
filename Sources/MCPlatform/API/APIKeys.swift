import Foundation

/// Who is calling the admin API.
public enum APICaller: Sendable, Equatable {
    /// The platform's operator (`--admin-token`): every organization.
    case `operator`
    /// An organization's API key: that organization only.
    case organization(id: Int64)

    /// Whether the caller may see and change what belongs to `organizationID`.
    func canAccess(organizationID: Int64) -> Bool {
        switch self {
        case .operator: true
        case .organization(let id): id == organizationID
        }
    }
}

/// An organization's API key as listed (the key itself is shown once, at creation).
struct APIKey: Sendable, Equatable {
    let id: Int64
    let organizationID: Int64
    let name: String
    /// The key's first characters, to tell keys apart.
    let prefix: String
    let createdAt: Date
    let lastUsedAt: Date?

    init(row: SQLRow) throws {
        id = try row.decode("id")
        organizationID = try row.decode("organization_id")
        name = try row.decode("name")
        prefix = try row.decode("prefix")
        createdAt = try row.decode("created_at")
        lastUsedAt = try row.decode("last_used_at")
    }
}

/// Organization-scoped API keys: `mcp_` followed by 43 random characters, stored as keyed hashes.
struct APIKeyStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    static let keyPrefix = "mcp_"

    /// Creates a key; returns it with the secret, which is never shown again.
    func create(organizationID: Int64, name: String, createdBy: Int64?, now: Date = Date()) async throws -> (APIKey, String) {
        let key = Self.keyPrefix + RandomToken.make()
        let row = try await database.one(
            """
            INSERT INTO api_keys (organization_id, name, prefix, key_hash, created_by, created_at)
            VALUES (\(organizationID), \(name), \(String(key.prefix(10))), \(secretKey.tokenHash(key)), \(createdBy), \(now))
            RETURNING \(raw: Self.columns)
            """
        )
        return (try APIKey(row: row), key)
    }

    /// The organization of a live key, recording its use (at most once a minute).
    func organizationID(key: String, now: Date = Date()) async throws -> Int64? {
        guard key.hasPrefix(Self.keyPrefix), key.utf8.count <= 128,
            let row = try await database.first(
                "SELECT id, organization_id, last_used_at FROM api_keys WHERE key_hash = \(secretKey.tokenHash(key)) AND revoked_at IS NULL"
            )
        else { return nil }
        if (try row.decode("last_used_at", as: Date?.self)).map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await database.query("UPDATE api_keys SET last_used_at = \(now) WHERE id = \(try row.decode("id", as: Int64.self))")
        }
        return try row.decode("organization_id")
    }

    func keys(organizationID: Int64) async throws -> [APIKey] {
        try await database.query(
            "SELECT \(raw: Self.columns) FROM api_keys WHERE organization_id = \(organizationID) AND revoked_at IS NULL ORDER BY created_at DESC"
        ).map(APIKey.init)
    }

    /// Revokes the key `id` of the organization (again: no change); false when the
    /// organization has no such key.
    @discardableResult
    func revoke(id: Int64, organizationID: Int64, now: Date = Date()) async throws -> Bool {
        try await database.revokeRow(of: "api_keys", id: id, organizationID: organizationID, now: now)
    }

    private static let columns = "id, organization_id, name, prefix, created_at, last_used_at"
}
