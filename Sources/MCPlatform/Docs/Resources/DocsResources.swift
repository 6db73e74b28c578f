import Foundation
import MCP

/// Every documentation page as an MCP resource: `docs://<version>/<url>`, Markdown.
struct DocsResources: MCPResourceProvider {
    static let pageSize = 100

    var templates: [Resource.Template] {
        [
            Resource.Template(
                uriTemplate: "docs://{version}/{+url}", name: "documentation-page", title: "Documentation page",
                description: "A page of this server's documentation as Markdown; url as in search_docs results (without #anchor).",
                mimeType: "text/markdown"
            )
        ]
    }

    func list(server: TenantServer, cursor: String?, platform: Platform) async throws -> ListResources.Result {
        let offset = try PageCursor.decode(cursor)
        let rows = try await platform.database.query(
            """
            SELECT version, url, title, bytes FROM doc_pages WHERE server_id = \(server.id)
            ORDER BY version, url LIMIT \(Self.pageSize + 1) OFFSET \(offset)
            """
        )
        let resources = try rows.prefix(Self.pageSize).map { row in
            let url: String = try row.decode("url")
            let version: String = try row.decode("version")
            return Resource(
                name: url, uri: Self.uri(version: version, url: url), title: try row.decode("title"),
                description: "Documentation page (version \(version))", mimeType: "text/markdown", size: try row.decode("bytes")
            )
        }
        return ListResources.Result(
            resources: resources, nextCursor: rows.count > Self.pageSize ? PageCursor.encode(offset: offset + Self.pageSize) : nil)
    }

    func read(uri: String, server: TenantServer, platform: Platform) async throws -> ReadResource.Result? {
        guard let (version, url) = Self.parse(uri),
            let page = try await DocsStore(database: platform.database).page(serverID: server.id, version: version, url: url)
        else { return nil }
        return ReadResource.Result(contents: [.text(page.content, uri: uri, mimeType: "text/markdown")])
    }

    /// `docs://<version>/<url>`; the version is percent-encoded, the url kept as stored.
    static func uri(version: String, url: String) -> String {
        "docs://\(version.addingPercentEncoding(withAllowedCharacters: .urlHostAllowed) ?? version)/\(url)"
    }

    static func parse(_ uri: String) -> (version: String, url: String)? {
        guard uri.hasPrefix("docs://") else { return nil }
        let rest = uri.dropFirst("docs://".count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let version = String(rest[..<slash]).removingPercentEncoding ?? String(rest[..<slash])
        let url = String(rest[rest.index(after: slash)...])
        return version.isEmpty || url.isEmpty ? nil : (version, url)
    }
}
