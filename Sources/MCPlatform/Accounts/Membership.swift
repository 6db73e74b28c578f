import Foundation

/// A user's place in an organization.
public struct Membership: Sendable, Equatable {
    public let organization: Organization
    public let role: Role
}

/// A member as listed on the members page.
struct Member: Sendable, Equatable {
    let userID: Int64
    let email: String
    let name: String
    let role: Role
}

/// Storage of memberships. Every dashboard page under `/orgs/<org>` goes through
/// ``membership(userID:organizationSlug:)``: no membership, no page.
struct MembershipStore: Sendable {
    let database: any Database

    func add(userID: Int64, organizationID: Int64, role: Role, now: Date = Date()) async throws {
        try await database.query(
            """
            INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (\(organizationID), \(userID), \(role.rawValue), \(now))
            ON CONFLICT (organization_id, user_id) DO NOTHING
            """
        )
    }

    /// The user's membership of the organization `slug`, or nil (also for unknown organizations).
    func membership(userID: Int64, organizationSlug slug: String) async throws -> Membership? {
        guard
            let row = try await database.first(
                """
                SELECT o.id, o.slug, o.name, o.created_at, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
                WHERE m.user_id = \(userID) AND o.slug = \(slug)
                """
            )
        else { return nil }
        return Membership(organization: try Organization(row: row), role: Role(rawValue: try row.decode("role")) ?? .member)
    }

    /// The user's organizations, by name.
    func memberships(userID: Int64) async throws -> [Membership] {
        try await database.query(
            """
            SELECT o.id, o.slug, o.name, o.created_at, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
            WHERE m.user_id = \(userID) ORDER BY o.name
            """
        ).map { Membership(organization: try Organization(row: $0), role: Role(rawValue: try $0.decode("role")) ?? .member) }
    }

    func members(organizationID: Int64) async throws -> [Member] {
        try await database.query(
            """
            SELECT u.id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organization_id = \(organizationID) ORDER BY u.email
            """
        ).map {
            Member(
                userID: try $0.decode("id"), email: try $0.decode("email"), name: try $0.decode("name"),
                role: Role(rawValue: try $0.decode("role")) ?? .member)
        }
    }
}
