import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// `search_docs`, `read_page` and `list_sources` through the MCP endpoint.
@Suite struct DocsToolsTests {
    static var files: [String: String] {
        let longPage =
            "# Long\n\n" + (1...300).map { "Paragraph \($0) about streaming uploads." }.joined(separator: "\n\n")
            + "\n\n## Tail {#tail}\n\nThe end."
        var files = DocsIngestionTests.corpus
        files["long.md"] = longPage
        return files
    }

    /// An endpoint for server `guide` holding `files` as `version`, and an initialized session.
    static func withDocsEndpoint(
        files: [String: String] = files, version: String = "2.0",
        _ body: @escaping @Sendable (MCPClient, _ session: String, _ initialize: [String: Any]) async throws -> Void
    ) async throws {
        let folder = try DocsIngestionTests.Folder(files)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database)
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: organization)
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform, version: version)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                let mcp = MCPClient(client: client)
                let (session, initialize) = try await mcp.initialize()
                try await body(mcp, session, initialize)
            }
        }
    }

    @Test func toolsAreListed() async throws {
        try await Self.withDocsEndpoint { client, session, _ in
            let tools = try await client.call("tools/list", [:], session: session)["tools"] as? [[String: Any]]
            #expect(
                tools?.compactMap { $0["name"] as? String } == [
                    "search_docs", "read_page", "list_sources", "about", "create_support_ticket", "get_support_ticket", "list_my_tickets",
                    "submit_feedback",
                ])
        }
    }

    @Test func searchReturnsStructuredResultsGroupedPerPage() async throws {
        try await Self.withDocsEndpoint { client, session, _ in
            let result = try await client.tool("search_docs", ["query": "request timeout retries", "limit": 3], session: session)
            #expect(result["isError"] as? Bool != true)
            let structured = try #require(result["structuredContent"] as? [String: Any])
            #expect(structured["version"] as? String == "2.0")
            let results = try #require(structured["results"] as? [[String: Any]])
            #expect(results.count <= 3)
            let first = try #require(results.first)
            #expect((first["url"] as? String)?.hasPrefix("guide/client.md#") == true)
            #expect(first["title"] as? String == "The client")
            #expect((first["section"] as? String)?.hasPrefix("The client › ") == true)
            #expect((first["snippet"] as? String)?.isEmpty == false)
            #expect((first["score"] as? Double ?? 0) > 0)
            let pages = results.compactMap { ($0["url"] as? String)?.split(separator: "#").first }
            #expect(Set(pages).count == pages.count, "one result per page")
            let text = try #require((result["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(text.contains("quoted documentation"))
            #expect(text.contains("guide/client.md#"))
        }
    }

    @Test func searchArgumentsAreValidated() async throws {
        try await Self.withDocsEndpoint { client, session, _ in
            for arguments: [String: Any] in [
                [:], ["query": ""], ["query": 42], ["query": "x", "limit": 0], ["query": "x", "limit": 21], ["query": "x", "offset": -1],
                ["query": String(repeating: "a ", count: 600)], ["query": "the of and"], ["query": "timeout", "version": "9.9"],
            ] {
                let result = try await client.tool("search_docs", arguments, session: session)
                #expect(result["isError"] as? Bool == true, "\(arguments)")
            }
            let none = try await client.tool("search_docs", ["query": "xylophone"], session: session)
            #expect(none["isError"] as? Bool != true)
            #expect(((none["structuredContent"] as? [String: Any])?["results"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func readPageFromAnAnchorAndInParts() async throws {
        try await Self.withDocsEndpoint { client, session, _ in
            let section = try await client.tool("read_page", ["url": "guide/client.md#retries"], session: session)
            let content = try #require((section["structuredContent"] as? [String: Any])?["content"] as? String)
            #expect(content.hasPrefix("## Retries"))

            var offset = 0
            var pieces: [String] = []
            while true {
                let part = try await client.tool("read_page", ["url": "long.md", "offset": offset, "max_tokens": 500], session: session)
                let structured = try #require(part["structuredContent"] as? [String: Any])
                pieces.append(try #require(structured["content"] as? String))
                #expect(pieces.last!.count <= 2000)
                guard let next = structured["nextOffset"] as? Int else { break }
                #expect(next > offset)
                offset = next
            }
            #expect(pieces.count > 3)
            #expect(pieces.joined().hasSuffix("The end."))
            #expect(pieces.joined().contains("Paragraph 300 about"))

            let missing = try await client.tool("read_page", ["url": "nope.md"], session: session)
            #expect(missing["isError"] as? Bool == true)
        }
    }

    @Test func listSourcesShowsVersionsWithoutServerPaths() async throws {
        try await Self.withDocsEndpoint { client, session, _ in
            let result = try await client.tool("list_sources", [:], session: session)
            let structured = try #require(result["structuredContent"] as? [String: Any])
            #expect(structured["versions"] as? [String] == ["2.0"])
            let sources = try #require(structured["sources"] as? [[String: Any]])
            #expect(sources.first?["pages"] as? Int == 6)
            let text = try #require((result["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(!text.contains(FileManager.default.temporaryDirectory.path))
        }
    }
}

@Suite struct DocsResourcesTests {
    @Test func pagesAreResourcesListedInPagesAndReadable() async throws {
        var files: [String: String] = [:]
        for index in 0..<205 { files[String(format: "pages/p%03d.md", index)] = "# Page \(index)\n\nContent \(index)." }
        try await DocsToolsTests.withDocsEndpoint(files: files, version: "1.0 beta") { mcp, session, initialize in
            #expect((initialize["capabilities"] as? [String: Any])?["resources"] != nil)

            var uris: [String] = []
            var cursor: String?
            repeat {
                let page = try await mcp.call("resources/list", cursor.map { ["cursor": $0] } ?? [:], session: session)
                let resources = try #require(page["resources"] as? [[String: Any]])
                #expect(resources.count <= 100)
                uris += resources.compactMap { $0["uri"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(uris.count == 205)
            #expect(Set(uris).count == 205)
            #expect(uris.first == "docs://1.0%20beta/pages/p000.md")

            let read = try await mcp.call("resources/read", ["uri": uris[42]], session: session)
            let contents = try #require((read["contents"] as? [[String: Any]])?.first)
            #expect(contents["mimeType"] as? String == "text/markdown")
            #expect((contents["text"] as? String)?.contains("Content 42.") == true)

            let templates = try await mcp.call("resources/templates/list", [:], session: session)
            #expect((templates["resourceTemplates"] as? [[String: Any]])?.first?["uriTemplate"] as? String == "docs://{version}/{+url}")

            for (method, params, code) in [
                ("resources/read", ["uri": "docs://1.0%20beta/missing.md"], -32002), ("resources/read", ["uri": "https://x"], -32002),
                ("resources/list", ["cursor": "bogus"], -32602), ("resources/read", [:], -32602),
            ] as [(String, [String: String], Int)] {
                let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 9, "method": method, "params": params])
                let response = try await mcp.post(String(decoding: body, as: UTF8.self), session: session)
                #expect(response.errorCode == code, "\(method) \(params)")
            }
        }
    }
}

extension MCPClient {
    /// The result of a JSON-RPC request in `session`.
    func call(_ method: String, _ params: [String: Any], session: String) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": method, "params": params])
        let response = try await post(String(decoding: body, as: UTF8.self), session: session)
        return try #require(response.json["result"] as? [String: Any], "\(response.json)")
    }

    /// The result of calling tool `name`.
    func tool(_ name: String, _ arguments: [String: Any], session: String) async throws -> [String: Any] {
        try await call("tools/call", ["name": name, "arguments": arguments], session: session)
    }
}
