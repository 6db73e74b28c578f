import Foundation

/// An invitation to join an organization, sent as a link that works once, within 48 hours,
/// unless revoked.
struct Invitation: Sendable, Equatable {
    let id: Int64
    let organizationID: Int64
    let email: String
    let role: Role
    let createdAt: Date
    let expiresAt: Date
    let acceptedAt: Date?
    let revokedAt: Date?

    init(row: SQLRow) throws {
        id = try row.decode("id")
        organizationID = try row.decode("organization_id")
        email = try row.decode("email")
        role = Role(rawValue: try row.decode("role")) ?? .member
        createdAt = try row.decode("created_at")
        expiresAt = try row.decode("expires_at")
        acceptedAt = try row.decode("accepted_at")
        revokedAt = try row.decode("revoked_at")
    }

    func isUsable(now: Date = Date()) -> Bool {
        acceptedAt == nil && revokedAt == nil && expiresAt > now
    }
}

/// Storage of invitations; tokens are stored as keyed hashes.
struct InvitationStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    static let lifetime: TimeInterval = 48 * 3600

    /// Creates an invitation; returns it with the token for its link.
    func create(organizationID: Int64, email: String, role: Role, invitedBy: Int64?, now: Date = Date()) async throws -> (
        Invitation, String
    ) {
        let token = RandomToken.make()
        let row = try await database.one(
            """
            INSERT INTO invitations (token_hash, organization_id, email, role, invited_by, created_at, expires_at)
            VALUES (\(secretKey.tokenHash(token)), \(organizationID), \(email), \(role.rawValue), \(invitedBy), \(now), \(now.addingTimeInterval(Self.lifetime)))
            RETURNING \(raw: Self.columns)
            """
        )
        return (try Invitation(row: row), token)
    }

    func find(token: String) async throws -> Invitation? {
        guard token.utf8.count <= 128 else { return nil }
        return try await database.first("SELECT \(raw: Self.columns) FROM invitations WHERE token_hash = \(secretKey.tokenHash(token))")
            .map(Invitation.init)
    }

    /// Invitations not yet accepted, revoked or expired.
    func pending(organizationID: Int64, now: Date = Date()) async throws -> [Invitation] {
        try await database.query(
            """
            SELECT \(raw: Self.columns) FROM invitations
            WHERE organization_id = \(organizationID) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(now)
            ORDER BY created_at DESC
            """
        ).map(Invitation.init)
    }

    /// Marks the invitation accepted, exactly once. False when it was no longer usable.
    func accept(id: Int64, now: Date = Date()) async throws -> Bool {
        try await !database.query(
            """
            UPDATE invitations SET accepted_at = \(now)
            WHERE id = \(id) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(now) RETURNING id
            """
        ).isEmpty
    }

    /// Revokes the invitation `id` of the organization (again: no change); false when the
    /// organization has no such invitation.
    @discardableResult
    func revoke(id: Int64, organizationID: Int64, now: Date = Date()) async throws -> Bool {
        try await database.revokeRow(of: "invitations", id: id, organizationID: organizationID, now: now)
    }

    private static let columns = "id, organization_id, email, role, created_at, expires_at, accepted_at, revoked_at"
}
