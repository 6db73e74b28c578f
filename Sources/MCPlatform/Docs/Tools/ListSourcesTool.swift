import Foundation
import MCP

/// `list_sources`: what documentation this server holds, in which versions, and how fresh it is.
struct ListSourcesTool: MCPTool {
    let definition = Tool(
        name: "list_sources",
        title: "List documentation sources",
        description:
            "List the documentation this server holds: sources, versions (for search_docs' version), page counts and when each was last updated.",
        inputSchema: ["type": "object", "properties": [:], "additionalProperties": false],
        annotations: .init(title: "List documentation sources", readOnlyHint: true, idempotentHint: true, openWorldHint: false)
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let docs = DocsStore(database: context.platform.database)
        let sources = try await docs.sources(serverID: context.server.id)
        let statistics = try await docs.sourceStatistics(serverID: context.server.id)
        let versions = try await docs.versions(serverID: context.server.id)
        var text = sources.isEmpty ? "This server has no documentation yet." : "Documentation of \(context.server.name):\n"
        var entries: [Value] = []
        for source in sources {
            let (pages, bytes) = statistics[source.id] ?? (0, 0)
            // A folder's name, never the server's filesystem path.
            let name = (source.location as NSString).lastPathComponent
            let updated = source.lastIngestedAt?.formatted(.iso8601) ?? "never"
            text += "- \(name) (version \(source.version)): \(pages) pages, updated \(updated)\n"
            entries.append([
                "name": .string(name), "kind": .string(source.kind.rawValue), "version": .string(source.version),
                "pages": .int(pages), "bytes": .int(bytes),
                "lastUpdated": source.lastIngestedAt.map { .string($0.formatted(.iso8601)) } ?? .null,
            ])
        }
        if let latest = versions.first { text += "Latest version: \(latest) (search_docs' default)." }
        return CallTool.Result(
            content: [.text(text: text, annotations: nil, _meta: nil)],
            structuredContent: ["sources": .array(entries), "versions": .array(versions.map(Value.string))]
        )
    }
}
