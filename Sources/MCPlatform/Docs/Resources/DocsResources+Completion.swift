import Foundation

/// `completion/complete` for `docs://{version}/{+url}`: the server's versions, and the urls of
/// the pages of the chosen version (the latest when none is chosen yet), by prefix.
extension DocsResources {
    func complete(
        template: String, argument: String, prefix: String, arguments: [String: String], server: TenantServer, platform: Platform
    ) async throws -> CompletionValues {
        let docs = DocsStore(database: platform.database)
        let versions = try await docs.versions(serverID: server.id)
        switch argument {
        case "version":
            return CompletionValues(candidates: versions, prefix: prefix)
        case "url":
            guard let version = arguments["version"].flatMap({ versions.contains($0) ? $0 : nil }) ?? versions.first else {
                return CompletionValues(values: [], total: 0)
            }
            // substr counts characters (code points) in both SQLite and PostgreSQL.
            let matching: SQLStatement = """
                server_id = \(server.id) AND version = \(version) AND substr(url, 1, CAST(\(prefix.unicodeScalars.count) AS INTEGER)) = \(prefix)
                """
            let total: Int = try await platform.database.one(
                "SELECT CAST(COUNT(*) AS BIGINT) AS total FROM doc_pages WHERE \(matching)"
            ).decode("total")
            let urls = try await platform.database.query(
                "SELECT url FROM doc_pages WHERE \(matching) ORDER BY url LIMIT \(CompletionValues.maximum)"
            ).map { try $0.decode("url", as: String.self) }
            return CompletionValues(values: urls, total: total)
        default:
            return CompletionValues(values: [], total: 0)
        }
    }
}
