import Foundation

/// A customer: a devtools company that owns MCP servers.
public struct Organization: Sendable, Equatable, Codable {
    public let id: Int64
    public let slug: String
    public let name: String
    public let createdAt: Date

    init(row: SQLRow) throws {
        id = try row.decode("id")
        slug = try row.decode("slug")
        name = try row.decode("name")
        createdAt = try row.decode("created_at")
    }
}
