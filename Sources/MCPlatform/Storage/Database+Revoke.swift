import Foundation

extension Database {
    /// Sets `revoked_at` on the row `id` of `table` (an identifier of the schema), once, when the
    /// row belongs to the organization; false when the organization has no such row, so that a
    /// page can answer 404 to another organization's id.
    func revokeRow(of table: String, id: Int64, organizationID: Int64, now: Date) async throws -> Bool {
        try await !query(
            """
            UPDATE \(raw: table) SET revoked_at = COALESCE(revoked_at, \(now)) WHERE id = \(id) AND organization_id = \(organizationID)
            RETURNING id
            """
        ).isEmpty
    }
}
