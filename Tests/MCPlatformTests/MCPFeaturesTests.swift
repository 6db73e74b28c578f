import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MCP
import Testing

@testable import MCPlatform

/// Prompts, completion, logging, progress, cancellation and pagination through the MCP endpoint.
@Suite struct MCPFeaturesTests {
    static let both = "application/json, text/event-stream"

    static func body(_ method: String, _ params: [String: Any], id: Any = 1) throws -> String {
        String(
            decoding: try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": id, "method": method, "params": params]),
            as: UTF8.self)
    }

    /// The JSON messages of an SSE body, in order.
    static func events(_ response: TestResponse) throws -> [[String: Any]] {
        try String(buffer: response.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            let data = try #require(event.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst("data: ".count))
            return try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        }
    }

    static func promptText(_ result: [String: Any]) -> String {
        ((result["messages"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["text"] as? String ?? ""
    }

    // MARK: Prompts

    @Test(arguments: Backend.available)
    func promptsAreListedAndFilledIn(backend: Backend) async throws {
        try await WalkthroughToolsTests.withWalkthrough(backend, publish: false) { client, platform, entry in
            let (session, initialized) = try await client.initialize()
            let capabilities = try #require(initialized["capabilities"] as? [String: Any])
            #expect((capabilities["prompts"] as? [String: Any])?["listChanged"] as? Bool == false)
            #expect(capabilities["completions"] != nil && capabilities["logging"] != nil)

            func names() async throws -> [String] {
                let prompts = try await client.call("prompts/list", [:], session: session)["prompts"] as? [[String: Any]]
                return prompts?.compactMap { $0["name"] as? String } ?? []
            }
            #expect(try await names() == ["explain-error", "search-docs"], "start-walkthrough needs a published walkthrough")
            let hidden = try await client.post(
                Self.body("prompts/get", ["name": "start-walkthrough", "arguments": ["slug": "start"]]), session: session)
            #expect(hidden.errorCode == -32602)

            _ = try await WalkthroughStore(database: platform.database).publish(entry)
            #expect(try await names() == ["explain-error", "search-docs", "start-walkthrough"])
            let listed = try #require(
                (try await client.call("prompts/list", [:], session: session)["prompts"] as? [[String: Any]])?.last)
            #expect(listed["title"] as? String == "Start a walkthrough")
            let argument = try #require((listed["arguments"] as? [[String: Any]])?.first)
            #expect(argument["name"] as? String == "slug" && argument["required"] as? Bool == true && argument["description"] != nil)

            let prompt = try await client.call(
                "prompts/get", ["name": "start-walkthrough", "arguments": ["slug": "start"]], session: session)
            let text = Self.promptText(prompt)
            #expect(text.contains(#"Call `start_walkthrough` with {"slug": "start"}"#), "\(text)")
            #expect(text.contains("Get started") && text.contains("Install the CLI and make a first call."))
            #expect((prompt["messages"] as? [[String: Any]])?.first?["role"] as? String == "user")

            let unknown = try await client.post(
                Self.body("prompts/get", ["name": "start-walkthrough", "arguments": ["slug": "nope"]]), session: session)
            #expect(unknown.errorCode == -32602)
            let error = try #require(unknown.json["error"] as? [String: Any])
            #expect((error["data"] as? [String: Any])?["available"] as? [String] == ["start"])
            #expect((error["message"] as? String)?.contains("start") == true)

            for params in [
                ["name": "start-walkthrough"], ["name": "no-such-prompt"], ["name": "explain-error", "arguments": ["error": " "]],
            ]
                as [[String: Any]]
            {
                #expect(try await client.post(Self.body("prompts/get", params), session: session).errorCode == -32602, "\(params)")
            }
        }
    }

    @Test func explainErrorCarriesTheSearchResults() async throws {
        try await DocsToolsTests.withDocsEndpoint { client, session, _ in
            let prompt = try await client.call(
                "prompts/get", ["name": "explain-error", "arguments": ["error": "request timeout retries", "context": "calling connect"]],
                session: session)
            let text = Self.promptText(prompt)
            #expect(text.contains("request timeout retries") && text.contains("What I was doing: calling connect"))
            #expect(text.contains("url: guide/client.md#"), "the search results with their urls: \(text)")
            #expect(text.contains("`read_page`"))

            let question = Self.promptText(
                try await client.call("prompts/get", ["name": "search-docs", "arguments": ["query": "install"]], session: session))
            #expect(question.contains("url: install.md"), "\(question)")
        }
    }

    // MARK: Completion

    @Test(arguments: Backend.available)
    func completionByPrefixStaysWithinTheTenant(backend: Backend) async throws {
        let guideDocs = try DocsIngestionTests.Folder([
            "guide/setup.md": "# Setup\n\nSet up.", "guide/start.md": "# Start\n\nGo.", "faq.md": "# FAQ\n\nAsk.",
        ])
        let otherDocs = try DocsIngestionTests.Folder(["guide/secret.md": "# Secret\n\nHidden."])
        defer { for folder in [guideDocs, otherDocs] { try? FileManager.default.removeItem(at: folder.url) } }
        try await WalkthroughToolsTests.withWalkthrough(backend) { client, platform, _ in
            let guide = try #require(try await platform.tenancy.server(slug: "guide"))
            let other = try #require(try await platform.tenancy.server(slug: "other"))
            let store = WalkthroughStore(database: platform.database)
            _ = try await store.publish(try await store.create(slug: "setup", content: WalkthroughToolsTests.content, serverID: guide.id))
            _ = try await store.create(slug: "sketch", content: WalkthroughToolsTests.content, serverID: guide.id)  // a draft
            _ = try await store.publish(try await store.create(slug: "secret", content: WalkthroughToolsTests.content, serverID: other.id))
            _ = try await DocsIngestionTests.ingest(guideDocs, into: guide, platform: platform, version: "1.0")
            _ = try await DocsIngestionTests.ingest(guideDocs, into: guide, platform: platform, version: "2.0")
            _ = try await DocsIngestionTests.ingest(otherDocs, into: other, platform: platform, version: "1.5")
            let (session, _) = try await client.initialize()

            func complete(_ reference: [String: Any], _ name: String, _ value: String, context: [String: String]? = nil) async throws
                -> [String: Any]
            {
                var params: [String: Any] = ["ref": reference, "argument": ["name": name, "value": value]]
                if let context { params["context"] = ["arguments": context] }
                return try #require(try await client.call("completion/complete", params, session: session)["completion"] as? [String: Any])
            }
            let prompt: [String: Any] = ["type": "ref/prompt", "name": "start-walkthrough"]
            let slugs = try await complete(prompt, "slug", "s")
            #expect(slugs["values"] as? [String] == ["setup", "start"], "published ones of this server only")
            #expect(slugs["total"] as? Int == 2 && slugs["hasMore"] as? Bool == false)
            #expect(try await complete(prompt, "slug", "ST")["values"] as? [String] == ["start"])
            #expect(try await complete(prompt, "slug", "x")["values"] as? [String] == [])

            let template: [String: Any] = ["type": "ref/resource", "uri": "docs://{version}/{+url}"]
            #expect(try await complete(template, "version", "")["values"] as? [String] == ["2.0", "1.0"])
            #expect(try await complete(template, "version", "1")["values"] as? [String] == ["1.0"])
            let urls = try await complete(template, "url", "guide/")
            #expect(urls["values"] as? [String] == ["guide/setup.md", "guide/start.md"])
            #expect(urls["total"] as? Int == 2)
            #expect(try await complete(template, "url", "f", context: ["version": "1.0"])["values"] as? [String] == ["faq.md"])

            for (reference, name) in [
                (["type": "ref/prompt", "name": "nope"], "slug"), (["type": "ref/prompt", "name": "start-walkthrough"], "other"),
                (["type": "ref/resource", "uri": "file:///{path}"], "path"), (["type": "ref/elsewhere"], "x"),
            ] as [([String: Any], String)] {
                let response = try await client.post(
                    Self.body("completion/complete", ["ref": reference, "argument": ["name": name, "value": ""]]), session: session)
                #expect(response.errorCode == -32602, "\(reference) \(name)")
            }
        }
    }

    @Test func completionReturnsAtMostAHundredValues() async throws {
        let files = Dictionary(uniqueKeysWithValues: (100..<250).map { ("p\($0).md", "# Page \($0)\n\nText.") })
        let folder = try DocsIngestionTests.Folder(files)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        try await MCPEndpointTests.withEndpoint { client, platform in
            let guide = try #require(try await platform.tenancy.server(slug: "guide"))
            _ = try await DocsIngestionTests.ingest(folder, into: guide, platform: platform)
            let (session, _) = try await client.initialize()
            let result = try await client.call(
                "completion/complete",
                ["ref": ["type": "ref/resource", "uri": "docs://{version}/{+url}"], "argument": ["name": "url", "value": "p"]],
                session: session)
            let completion = try #require(result["completion"] as? [String: Any])
            #expect((completion["values"] as? [String])?.count == 100)
            #expect((completion["values"] as? [String])?.first == "p100.md")
            #expect(completion["total"] as? Int == 150 && completion["hasMore"] as? Bool == true)
        }
    }

    // MARK: Logging

    @Test(arguments: Backend.available)
    func logLevelIsStoredAndLogMessagesPrecedeTheResultOnSSE(backend: Backend) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { client, platform in
            let (session, _) = try await client.initialize()
            let guide = try #require(try await platform.tenancy.server(slug: "guide"))
            #expect(try await platform.sessions.find(id: session, serverID: guide.id)?.logLevel == nil)
            let search = try Self.body("tools/call", ["name": "search_docs", "arguments": ["query": "anything"]], id: 3)
            // No level set: plain JSON, as before.
            #expect(try await client.post(search, session: session, accept: Self.both).headers[.contentType] == "application/json")

            #expect(try await client.post(Self.body("logging/setLevel", ["level": "loud"]), session: session).errorCode == -32602)
            _ = try await client.call("logging/setLevel", ["level": "info"], session: session)
            #expect(try await platform.sessions.find(id: session, serverID: guide.id)?.logLevel == .info)

            let streamed = try await client.post(search, session: session, accept: Self.both)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let events = try Self.events(streamed)
            #expect(events.count == 2, "\(events)")
            #expect(events.first?["method"] as? String == "notifications/message")
            let log = try #require(events.first?["params"] as? [String: Any])
            #expect(log["level"] as? String == "info" && log["logger"] as? String == "tools")
            #expect(((log["data"] as? [String: Any])?["message"] as? String)?.contains("No results") == true)
            #expect(events.last?["id"] as? Int == 3 && events.last?["result"] != nil)

            // A client that accepts only JSON gets JSON; the messages are dropped.
            let json = try await client.post(search, session: session, accept: "application/json")
            #expect(json.headers[.contentType] == "application/json" && json.json["id"] as? Int == 3)

            // A tool error is a warning; at level error neither is sent.
            let bad = try Self.body("tools/call", ["name": "read_page", "arguments": ["url": "missing.md"]], id: 4)
            let warned = try Self.events(try await client.post(bad, session: session, accept: Self.both))
            #expect((warned.first?["params"] as? [String: Any])?["level"] as? String == "warning")
            _ = try await client.call("logging/setLevel", ["level": "error"], session: session)
            #expect(try await client.post(bad, session: session, accept: Self.both).headers[.contentType] == "application/json")
            // The level belongs to the session.
            let (fresh, _) = try await client.initialize()
            #expect(try await platform.sessions.find(id: fresh, serverID: guide.id)?.logLevel == nil)
        }
    }

    // MARK: Progress and cancellation

    /// Reports progress, then waits for `release` (or, when none, returns at once).
    struct SlowTool: MCPTool {
        let started: AsyncStream<Void>.Continuation
        let release: AsyncStream<Void>?
        let definition = Tool(name: "slow", description: "Takes its time.", inputSchema: ["type": "object"])

        func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
            context.notifier.progress(1, total: 3, message: "one")
            context.notifier.progress(1, total: 3, message: "not increasing: dropped")
            context.notifier.progress(2, total: 3)
            started.yield()
            if let release {
                for await _ in release { break }
                try Task.checkCancellation()
            }
            context.notifier.progress(3, total: 3, message: "done")
            return CallTool.Result(content: [.text(text: "finished", annotations: nil, _meta: nil)])
        }
    }

    static func withSlowTool(
        waits: Bool,
        _ body:
            @escaping @Sendable (MCPClient, Platform, _ started: AsyncStream<Void>, _ release: AsyncStream<Void>.Continuation) async throws
            -> Void
    ) async throws {
        let (started, startedSink) = AsyncStream<Void>.makeStream()
        let (release, releaseSink) = AsyncStream<Void>.makeStream()
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(
                database: database, tools: ToolRegistry([SlowTool(started: startedSink, release: waits ? release : nil)]))
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: acme)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                try await body(MCPClient(client: client), platform, started, releaseSink)
            }
        }
    }

    @Test func progressEventsPrecedeTheResultOnOneStream() async throws {
        try await Self.withSlowTool(waits: false) { client, _, _, _ in
            let (session, _) = try await client.initialize()
            let call = try Self.body("tools/call", ["name": "slow", "arguments": [:], "_meta": ["progressToken": "p-1"]], id: 9)
            let response = try await client.post(call, session: session, accept: Self.both)
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[.mcpSessionID] == session)
            let events = try Self.events(response)
            let progress = events.dropLast().compactMap { $0["params"] as? [String: Any] }
            #expect(events.dropLast().allSatisfy { $0["method"] as? String == "notifications/progress" })
            #expect(progress.map { $0["progress"] as? Double } == [1, 2, 3])
            #expect(progress.allSatisfy { $0["progressToken"] as? String == "p-1" && $0["total"] as? Double == 3 })
            #expect(progress.first?["message"] as? String == "one")
            #expect(events.last?["id"] as? Int == 9)
            #expect(((events.last?["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String == "finished")

            // Without a token, or from a client that takes only JSON: one JSON answer.
            for (body, accept) in [
                (try Self.body("tools/call", ["name": "slow", "arguments": [:]], id: 10), Self.both),
                (call, "application/json"),
            ] {
                let plain = try await client.post(body, session: session, accept: accept)
                #expect(plain.headers[.contentType] == "application/json")
                #expect(plain.json["result"] != nil)
            }
        }
    }

    @Test func searchReportsProgress() async throws {
        try await DocsToolsTests.withDocsEndpoint { client, session, _ in
            let call = try Self.body(
                "tools/call", ["name": "search_docs", "arguments": ["query": "install"], "_meta": ["progressToken": 7]])
            let events = try Self.events(try await client.post(call, session: session, accept: Self.both))
            let progress = events.compactMap { $0["method"] as? String == "notifications/progress" ? $0["params"] as? [String: Any] : nil }
            #expect(progress.map { $0["progress"] as? Double } == [0, 1])
            #expect(progress.allSatisfy { $0["progressToken"] as? Int == 7 })
            #expect(events.last?["result"] != nil)
        }
    }

    @Test(arguments: [false, true])
    func cancelledRequestsGetNoAnswerAndAreRecorded(streamed: Bool) async throws {
        try await Self.withSlowTool(waits: true) { client, platform, started, release in
            let (session, _) = try await client.initialize()
            var params: [String: Any] = ["name": "slow", "arguments": [:]]
            if streamed { params["_meta"] = ["progressToken": "t"] }
            let call = try Self.body("tools/call", params, id: "slow-1")
            async let answer = client.post(call, session: session, accept: Self.both)
            for await _ in started { break }
            let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1","reason":"user"}}"#
            #expect(try await client.post(cancel, session: session).status == .accepted)
            let response = try await answer
            if streamed {
                let events = try Self.events(response)
                #expect(events.allSatisfy { $0["method"] as? String == "notifications/progress" }, "no result: \(events)")
            } else {
                #expect(response.status == .accepted && response.body.readableBytes == 0)
            }
            release.finish()
            // Unknown, repeated or malformed cancellations are ignored.
            for body in [cancel, #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}"#] {
                #expect(try await client.post(body, session: session).status == .accepted)
            }
            try await platform.events.flush(to: platform.database)
            let row = try await platform.database.one("SELECT outcome, error_code FROM mcp_events WHERE tool = 'slow'")
            #expect(try row.decode("outcome", as: MCPEvent.Outcome.self) == .error)
            #expect(try row.decode("error_code", as: Int?.self) == JSONRPCError.requestCancelledCode)
        }
    }

    @Test func cancellingNeedsTheSameSession() async throws {
        try await Self.withSlowTool(waits: true) { client, _, started, release in
            let (session, _) = try await client.initialize()
            let (intruder, _) = try await client.initialize()
            async let answer = client.post(try Self.body("tools/call", ["name": "slow", "arguments": [:]], id: 1), session: session)
            for await _ in started { break }
            let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#
            #expect(try await client.post(cancel, session: intruder).status == .accepted)
            release.yield()
            let response = try await answer
            #expect(response.status == .ok && response.json["result"] != nil, "another session cannot cancel it")
        }
    }

    // MARK: Pagination and names

    struct NumberedTool: MCPTool {
        let number: Int
        var definition: Tool { Tool(name: "tool_\(number)", description: "Number \(number).", inputSchema: ["type": "object"]) }
        func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result { CallTool.Result(content: []) }
    }

    @Test func listsArePaginatedWithOpaqueCursors() async throws {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database, tools: ToolRegistry((1...60).map(NumberedTool.init)))
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: acme)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                let mcp = MCPClient(client: client)
                let (session, _) = try await mcp.initialize()
                let first = try await mcp.call("tools/list", [:], session: session)
                #expect((first["tools"] as? [Any])?.count == PageCursor.listPageSize)
                let cursor = try #require(first["nextCursor"] as? String)
                let second = try await mcp.call("tools/list", ["cursor": cursor], session: session)
                let names = (second["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == (51...60).map { "tool_\($0)" })
                #expect(second["nextCursor"] == nil)

                let prompts = try await mcp.call("prompts/list", [:], session: session)
                #expect(prompts["nextCursor"] == nil && (prompts["prompts"] as? [Any])?.count == 2)
                let negative = Data("offset:-1".utf8).base64EncodedString()
                for method in ["tools/list", "prompts/list"] {
                    for bad in ["bogus", negative, "", "%%%"] {
                        let response = try await mcp.post(Self.body(method, ["cursor": bad]), session: session)
                        #expect(response.errorCode == -32602, "\(method) \(bad)")
                    }
                }
            }
        }
    }

    /// Clients prefix tool names with the server's (often `mcp__<server>__<tool>`) and cap the
    /// whole at 60 characters.
    @Test func namesAreShort() async throws {
        try await WalkthroughToolsTests.withWalkthrough { client, _, _ in
            let (session, _) = try await client.initialize()
            let tools = try #require(try await client.call("tools/list", [:], session: session)["tools"] as? [[String: Any]])
            let prompts = try #require(try await client.call("prompts/list", [:], session: session)["prompts"] as? [[String: Any]])
            #expect(tools.count == 12 && prompts.count == 3, "every tool and prompt is listed")
            for name in (tools + prompts).compactMap({ $0["name"] as? String }) { #expect(name.count <= 30, "\(name)") }
        }
    }
}
