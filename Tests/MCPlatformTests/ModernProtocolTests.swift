import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MCP
import Testing

@testable import MCPlatform

/// The 2026-07-28 (stateless) revision on the MCP endpoint, through the router (no sockets):
/// `server/discover`, the shape of modern results, every rejection the revision prescribes, the
/// stateless participant of anonymous clients, analytics, and signed-in callers.
@Suite struct ModernProtocolTests {
    static let modern = "2026-07-28"

    @Test(arguments: Backend.available)
    func discoverThenUseTheServerWithoutASession(backend: Backend) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { client, platform in
            let discover = try await client.modern("server/discover")
            #expect(discover.status == .ok)
            #expect(discover.headers[.mcpSessionID] == nil)
            let result = try #require(discover.json["result"] as? [String: Any])
            #expect(result["resultType"] as? String == "complete")
            #expect(result["supportedVersions"] as? [String] == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
            #expect((result["capabilities"] as? [String: Any])?["tools"] != nil)
            #expect((result["instructions"] as? String)?.contains("Acme") == true)
            #expect(Self.serverInfo(result)?["name"] as? String == "guide")
            #expect(Self.serverInfo(result)?["version"] as? String == Platform.version)
            #expect(result["ttlMs"] as? Int == 300_000)
            #expect(result["cacheScope"] as? String == "public")

            let list = try #require(try await client.modern("tools/list").json["result"] as? [String: Any])
            #expect((list["tools"] as? [[String: Any]])?.contains { $0["name"] as? String == "about" } == true)
            #expect(list["resultType"] as? String == "complete")
            #expect(list["ttlMs"] as? Int == 60_000)
            #expect(list["cacheScope"] as? String == "public")
            #expect(Self.serverInfo(list)?["name"] as? String == "guide")
            let templates = try #require(try await client.modern("resources/templates/list").json["result"] as? [String: Any])
            #expect(templates["ttlMs"] as? Int == 3_600_000)

            // A legacy session id sent along is ignored, neither looked up nor echoed.
            let call = try await client.modern(
                "tools/call", ["name": "about", "arguments": [:]], headers: [.mcpSessionID: "0123456789abcdef0123456789abcdef"])
            #expect(call.status == .ok)
            #expect(call.headers[.mcpSessionID] == nil)
            let about = try #require(call.json["result"] as? [String: Any])
            #expect(about["resultType"] as? String == "complete")
            #expect(about["ttlMs"] == nil && about["cacheScope"] == nil, "tool results are not cacheable")
            #expect(Self.serverInfo(about)?["name"] as? String == "guide")
            #expect((about["structuredContent"] as? [String: Any])?["protocolVersion"] as? String == Self.modern)

            let stored = try await platform.database.one("SELECT COUNT(*) AS n FROM mcp_sessions").decode("n", as: Int64.self)
            #expect(stored == 0, "modern requests store no session")
        }
    }

    @Test func anEventStreamWhenOnlySSEIsAccepted() async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let response = try await client.modern("tools/list", headers: [.accept: "text/event-stream"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[.mcpSessionID] == nil)
            #expect(String(buffer: response.body).contains(#""resultType":"complete""#))
        }
    }

    @Test func everyRejectionHasItsStatusAndCode() async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let about: [String: Any] = ["name": "about", "arguments": [:]]
            let meta = MCPClient.modernMeta()
            let cases: [(String, TestResponse, HTTPResponse.Status, Int)] = [
                ("no Mcp-Method", try await client.modern("tools/list", headers: [.mcpMethod: nil]), .badRequest, -32020),
                ("other Mcp-Method", try await client.modern("tools/list", headers: [.mcpMethod: "resources/list"]), .badRequest, -32020),
                ("no Mcp-Name", try await client.modern("tools/call", about, headers: [.mcpName: nil]), .badRequest, -32020),
                ("other Mcp-Name", try await client.modern("tools/call", about, headers: [.mcpName: "search_docs"]), .badRequest, -32020),
                ("bad base64", try await client.modern("tools/call", about, headers: [.mcpName: "=?base64?%%%?="]), .badRequest, -32020),
                (
                    "resources/read Mcp-Name",
                    try await client.modern("resources/read", ["uri": "docs://1/a.md"], headers: [.mcpName: "docs://1/b.md"]),
                    .badRequest, -32020
                ),
                (
                    "prompts/get Mcp-Name", try await client.modern("prompts/get", ["name": "x"], headers: [.mcpName: "y"]), .badRequest,
                    -32020
                ),
                ("no _meta", try await client.modern("tools/list", meta: nil), .badRequest, -32602),
                (
                    "no clientCapabilities",
                    try await client.modern("tools/list", meta: meta.filter { !$0.key.hasSuffix("clientCapabilities") }),
                    .badRequest, -32602
                ),
                (
                    "no protocolVersion", try await client.modern("tools/list", meta: meta.filter { !$0.key.hasSuffix("protocolVersion") }),
                    .badRequest, -32602
                ),
                (
                    "header ≠ _meta version",
                    try await client.modern("tools/list", meta: MCPClient.modernMeta(version: "2025-11-25")), .badRequest, -32020
                ),
                ("unknown method", try await client.modern("does/not/exist"), .notFound, -32601),
                ("ping (removed)", try await client.modern("ping"), .notFound, -32601),
                ("logging/setLevel (removed)", try await client.modern("logging/setLevel", ["level": "info"]), .notFound, -32601),
                ("initialize (legacy only)", try await client.modern("initialize"), .notFound, -32601),
                ("unknown tool", try await client.modern("tools/call", ["name": "nope", "arguments": [:]]), .ok, -32602),
                ("resource not found", try await client.modern("resources/read", ["uri": "docs://1.0/missing.md"]), .ok, -32602),
            ]
            for (name, response, status, code) in cases {
                #expect(response.status == status, "\(name)")
                #expect(response.errorCode == code, "\(name): \(response.json)")
                #expect(response.json["id"] as? Int == 1, "\(name): the request id is echoed")
                #expect(response.headers[.mcpSessionID] == nil, "\(name)")
            }

            let unsupported = try await client.modern("tools/list", version: "2099-01-01")
            #expect(unsupported.status == .badRequest)
            #expect(unsupported.errorCode == -32022)
            let data = try #require((unsupported.json["error"] as? [String: Any])?["data"] as? [String: Any])
            #expect(data["supported"] as? [String] == ProtocolVersion.supported)
            #expect(data["requested"] as? String == "2099-01-01")

            let batch = try await client.post(
                #"[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]"#, version: Self.modern, headers: [.mcpMethod: "tools/list"])
            #expect(batch.status == .badRequest)
            #expect(batch.errorCode == -32600)

            let notification = try await client.post(
                #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, version: Self.modern,
                headers: [.mcpMethod: "notifications/initialized"])
            #expect(notification.status == .accepted)
            #expect(notification.body.readableBytes == 0)
            #expect(try await client.post(#"{"jsonrpc":"2.0","id":5,"result":{}}"#, version: Self.modern).status == .badRequest)

            for method in [HTTPRequest.Method.get, .delete] {
                let response = try await client.request("/mcp/guide", method: method, session: "abc", version: Self.modern)
                #expect(response.status == .methodNotAllowed, "\(method)")
                #expect(response.headers[.allow] == "POST")
            }
        }
    }

    @Test func mcpNameMayBeBase64Encoded() async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let encoded = "=?base64?" + Data("about".utf8).base64EncodedString() + "?="
            let response = try await client.modern("tools/call", ["name": "about", "arguments": [:]], headers: [.mcpName: encoded])
            #expect(response.status == .ok)
            #expect((response.json["result"] as? [String: Any])?["isError"] as? Bool != true)
            #expect(ModernRequest.decodeHeaderValue("=?base64?5LiW55WM?=") == "世界")
            #expect(ModernRequest.decodeHeaderValue("plain") == "plain")
            #expect(ModernRequest.decodeHeaderValue("=?base64?=") == "=?base64?=", "too short to be the sentinel")
            #expect(ModernRequest.decodeHeaderValue("=?base64?//79?=") == nil, "not UTF-8")
        }
    }

    @Test func initializeStaysLegacyEvenWhenAskedForTheModernRevision() async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let (session, result) = try await client.initialize(version: Self.modern)
            #expect(result["protocolVersion"] as? String == "2025-11-25")
            #expect(result["resultType"] == nil, "legacy results keep their legacy shape")
            let list = try await client.post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, session: session, version: "2025-11-25")
            #expect(list.status == .ok)
            #expect((list.json["result"] as? [String: Any])?["ttlMs"] == nil)
            // In a legacy session server/discover is no method, and ping still is.
            let discover = try await client.post(#"{"jsonrpc":"2.0","id":3,"method":"server/discover"}"#, session: session)
            #expect(discover.status == .ok)
            #expect(discover.errorCode == -32601)
            #expect(try await client.post(#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#, session: session).errorCode == nil)
        }
    }

    @Test(arguments: Backend.available)
    func anAnonymousClientKeepsItsWalkthroughProgress(backend: Backend) async throws {
        try await WalkthroughToolsTests.withWalkthrough(backend) { client, _, _ in
            func tool(_ name: String, _ arguments: [String: Any], agent: String, clientName: String = "swift-test") async throws -> String {
                let response = try await client.modern(
                    "tools/call", ["name": name, "arguments": arguments], meta: MCPClient.modernMeta(client: clientName),
                    headers: [.userAgent: agent])
                return WalkthroughToolsTests.text(try #require(response.json["result"] as? [String: Any]))
            }
            #expect(try await tool("start_walkthrough", ["slug": "start"], agent: "agent-a").contains("Step 1 of 3"))
            #expect(try await tool("complete_step", ["slug": "start", "step": 1], agent: "agent-a").contains("Step 2 of 3"))
            let resumed = try await tool("start_walkthrough", ["slug": "start"], agent: "agent-a")
            #expect(resumed.contains("Resuming: 1 of 3 steps are done."))
            // Another agent, or another client program behind the same agent, is someone else.
            #expect(try await tool("get_walkthrough_step", ["slug": "start"], agent: "agent-b").contains("have not started"))
            #expect(
                try await tool("get_walkthrough_step", ["slug": "start"], agent: "agent-a", clientName: "other").contains(
                    "have not started"))
        }
    }

    @Test func theStatelessIDDependsOnServerAddressAgentAndClient() {
        let request = ModernRequest(protocolVersion: Self.modern, clientName: "claude", clientVersion: "1", logLevel: nil)
        let id = MCPSession.stateless(serverID: 1, request: request, endUserID: nil, address: "10.0.0.1", userAgent: "ua").id
        #expect(id.hasPrefix("stateless-") && id.count == "stateless-".count + 24)
        let newer = ModernRequest(protocolVersion: Self.modern, clientName: "claude", clientVersion: "2", logLevel: nil)
        #expect(MCPSession.stateless(serverID: 1, request: newer, endUserID: nil, address: "10.0.0.1", userAgent: "ua").id == id)
        for (server, address, agent) in [(2, "10.0.0.1", "ua"), (1, "10.0.0.2", "ua"), (1, "10.0.0.1", "ub")] as [(Int64, String, String)] {
            #expect(MCPSession.stateless(serverID: server, request: request, endUserID: nil, address: address, userAgent: agent).id != id)
        }
    }

    /// `_meta` `logLevel` and `progressToken` on a modern request: its answer is an SSE stream of
    /// progress and log messages, then the result, and still no session.
    @Test func progressAndLogMessagesStreamWithoutASession() async throws {
        try await AnalyticsTests.withDocs(.sqlite) { client, _, _ in
            let search: [String: Any] = ["name": "search_docs", "arguments": ["query": "install the SDK"]]
            var meta = MCPClient.modernMeta()
            meta[ModernRequest.logLevelKey] = "debug"
            meta["progressToken"] = "p-1"
            let streamed = try await client.modern("tools/call", search, meta: meta)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            #expect(streamed.headers[.mcpSessionID] == nil)
            let events = try MCPFeaturesTests.events(streamed)
            let methods = events.compactMap { $0["method"] as? String }
            #expect(methods.filter { $0 == "notifications/progress" }.count == 2)
            #expect(methods.contains("notifications/message"))
            let result = try #require(events.last?["result"] as? [String: Any])
            #expect(result["resultType"] as? String == "complete")

            // Without them: one JSON answer, no messages.
            let plain = try await client.modern("tools/call", search)
            #expect(plain.headers[.contentType] == "application/json")
            #expect((plain.json["result"] as? [String: Any])?["resultType"] as? String == "complete")
        }
    }

    @Test(arguments: Backend.available)
    func modernRequestsAreCapturedForAnalytics(backend: Backend) async throws {
        try await AnalyticsTests.withDocs(backend) { client, platform, server in
            #expect(try await client.modern("server/discover").status == .ok)
            let search = try await client.modern("tools/call", ["name": "search_docs", "arguments": ["query": "install the SDK"]])
            #expect(!AnalyticsTests.results(try #require(search.json["result"] as? [String: Any])).isEmpty)
            #expect(try await client.modern("ping").status == .notFound)
            try await platform.events.flush(to: platform.database)
            try await platform.requestStatistics.flush(to: platform.database)

            let rows = try await platform.database.query(
                "SELECT session_id, participant, method, tool, outcome, error_code FROM mcp_events WHERE server_id = \(server.id) ORDER BY id"
            )
            #expect(rows.count == 3)
            let sessionID: String = try rows[0].decode("session_id")
            #expect(sessionID.hasPrefix("stateless-"))
            for row in rows {
                #expect(try row.decode("session_id", as: String.self) == sessionID, "one participant across requests")
                #expect(try row.decode("participant", as: String.self) == "session:\(sessionID)")
            }
            #expect(try rows.map { try $0.decode("method", as: String.self) } == ["server/discover", "tools/call", "ping"])
            #expect(try rows[1].decode("tool", as: String?.self) == "search_docs")
            #expect(try rows[2].decode("error_code", as: Int?.self) == -32601)

            #expect(try await AnalyticsTests.processor(platform).processOnce())
            let overview = try await AnalyticsReport(database: platform.database).overview(serverID: server.id, period: .last(7))
            #expect(overview.sessions == 1 && overview.searches == 1 && overview.requests == 3)
            // The client's name comes from the requests' `_meta` clientInfo (no session row has it).
            let clients = try await AnalyticsReport(database: platform.database).clients(serverID: server.id, period: .last(7))
            #expect(clients == [ClientStatistics(name: "swift-test", versions: ["1.0"], users: 1, sessions: 1)])
        }
    }

    @Test(arguments: Backend.available)
    func theEndUserOfAModernRequestComesFromTheToken(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = MCPClient(client: harness.client)
            let call = MCPClient.modernBody("tools/call", ["name": "about", "arguments": [:]], meta: MCPClient.modernMeta())
            let anonymous = try await client.post(call, version: Self.modern, headers: MCPClient.modernHeaders("tools/call", name: "about"))
            AuthBearerTokenTests.expectUnauthorized(anonymous, error: nil)

            let tokens = try await harness.tokens(client: try await harness.registerClient())
            var headers = MCPClient.modernHeaders("tools/call", name: "about")
            headers[.authorization] = "Bearer \(tokens.access)"
            let signedIn = try await client.post(call, version: Self.modern, headers: headers)
            #expect(signedIn.status == .ok)
            let result = try #require(signedIn.json["result"] as? [String: Any])
            #expect((result["structuredContent"] as? [String: Any])?["signedInAs"] != nil)

            headers[.mcpMethod] = "tools/list"
            let list = try await client.post(
                MCPClient.modernBody("tools/list", [:], meta: MCPClient.modernMeta()), version: Self.modern, headers: headers)
            #expect((list.json["result"] as? [String: Any])?["cacheScope"] as? String == "private", "lists behind sign-in")
        }
    }

    @Test func aResultsOwnMetaIsKept() async throws {
        try await MCPEndpointTests.withEndpoint { _, platform in
            let server = try #require(try await platform.tenancy.server(slug: "guide"))
            let result = ListTools.Result(tools: [], _meta: Metadata(additionalFields: ["com.example/trace": .string("t1")]))
            for outcome in [
                ModernResult.decorate(.result(result), method: "tools/list", server: server),
                ModernResult.decorate(
                    .result(Value.object(["_meta": .object(["com.example/trace": .string("t1")])])), method: "tools/list", server: server),
            ] {
                guard case .result(let decorated) = outcome else { Issue.record("not a result"); continue }
                let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(decorated)) as? [String: Any])
                let meta = try #require(json["_meta"] as? [String: Any])
                #expect(meta["com.example/trace"] as? String == "t1")
                #expect((meta["io.modelcontextprotocol/serverInfo"] as? [String: Any])?["name"] as? String == "guide")
                #expect(json["resultType"] as? String == "complete" && json["ttlMs"] as? Int == 60_000)
            }
            let missing = ModernResult.decorate(
                .error(JSONRPCError(code: JSONRPCError.resourceNotFoundCode, message: "Resource not found")), method: "resources/read",
                server: server)
            guard case .error(let error) = missing else { Issue.record("not an error"); return }
            #expect(error.code == -32602)
        }
    }

    static func serverInfo(_ result: [String: Any]) -> [String: Any]? {
        (result["_meta"] as? [String: Any])?["io.modelcontextprotocol/serverInfo"] as? [String: Any]
    }
}

extension MCPClient {
    /// The `_meta` a 2026-07-28 client sends on every request.
    static func modernMeta(version: String = "2026-07-28", client: String = "swift-test") -> [String: Any] {
        [
            "io.modelcontextprotocol/protocolVersion": version, "io.modelcontextprotocol/clientCapabilities": [String: Any](),
            "io.modelcontextprotocol/clientInfo": ["name": client, "version": "1.0"],
        ]
    }

    static func modernBody(_ method: String, _ params: [String: Any], meta: [String: Any]?) -> String {
        var params = params
        params["_meta"] = meta
        let body = ["jsonrpc": "2.0", "id": 1, "method": method, "params": params] as [String: Any]
        return String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self)
    }

    /// `Mcp-Method`, and `Mcp-Name` when given.
    static func modernHeaders(_ method: String, name: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [.mcpMethod: method]
        headers[.mcpName] = name
        return headers
    }

    /// A 2026-07-28 request as a conforming client sends it (headers mirroring the body, `_meta`),
    /// with `headers` replacing (or, when nil, removing) some of its headers.
    func modern(
        _ method: String, _ params: [String: Any] = [:], version: String = "2026-07-28", meta: [String: Any]? = modernMeta(),
        headers overrides: [HTTPField.Name: String?] = [:]
    ) async throws -> TestResponse {
        let name = (ModernRequest.namedBy[method].flatMap { params[$0] as? String })
        var headers = Self.modernHeaders(method, name: name)
        headers[.userAgent] = "swift-test/1.0"
        var accept = "application/json, text/event-stream"
        for (field, value) in overrides {
            if field == .accept {
                accept = value ?? accept
            } else {
                headers[field] = value
            }
        }
        return try await post(Self.modernBody(method, params, meta: meta), version: version, accept: accept, headers: headers)
    }
}
