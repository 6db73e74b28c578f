import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The MCP endpoint driven through the router (no sockets): protocol flows and the mapping of
/// every kind of bad input to its HTTP status and JSON-RPC error.
@Suite struct MCPEndpointTests {
    /// A platform with organization `acme` owning servers `guide` and `other`.
    static func withEndpoint(
        _ backend: Backend = .sqlite,
        settings: ServerSettings = ServerSettings(),
        configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (MCPClient, Platform) async throws -> Void
    ) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database, configure: configure)
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: acme, settings: settings)
            _ = try await platform.tenancy.createServer(slug: Slug("other"), name: "Other", organization: acme)
            let app = Application(router: buildRouter(platform: platform), logger: .quiet)
            try await app.test(.router) { client in
                try await body(MCPClient(client: client), platform)
            }
        }
    }

    // MARK: Protocol flows

    @Test(arguments: Backend.available, ProtocolVersion.legacy)
    func initializeListAndCallForEachVersion(backend: Backend, version: String) async throws {
        try await Self.withEndpoint(backend) { client, _ in
            let (session, result) = try await client.initialize(version: version)
            #expect(result["protocolVersion"] as? String == version)
            #expect((result["serverInfo"] as? [String: Any])?["name"] as? String == "guide")
            #expect((result["capabilities"] as? [String: Any])?["tools"] != nil)

            let initialized = try await client.post(
                #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: session, version: version)
            #expect(initialized.status == .accepted)
            #expect(initialized.body.readableBytes == 0)

            let list = try await client.post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, session: session, version: version)
            #expect(list.status == .ok)
            let tools = try #require((list.json["result"] as? [String: Any])?["tools"] as? [[String: Any]])
            #expect(tools.compactMap { $0["name"] as? String }.contains("about"))

            let call = try await client.post(
                #"{"jsonrpc":"2.0","id":"c-3","method":"tools/call","params":{"name":"about","arguments":{}}}"#, session: session,
                version: version)
            #expect(call.json["id"] as? String == "c-3")
            let about = try #require(call.json["result"] as? [String: Any])
            #expect(about["isError"] as? Bool != true)
            let structured = try #require(about["structuredContent"] as? [String: Any])
            let server = try #require(structured["server"] as? [String: Any])
            #expect(server["slug"] as? String == "guide")
            #expect(server["endpoint"] as? String == "http://guide.localhost:8080/mcp")
            #expect(structured["protocolVersion"] as? String == version)
            let text = try #require((about["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(text.contains("Acme Docs"))

            let ping = try await client.post(#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#, session: session)
            #expect((ping.json["result"] as? [String: Any])?.isEmpty == true)
        }
    }

    @Test func unknownVersionNegotiatesTheLatest() async throws {
        try await Self.withEndpoint { client, _ in
            let (_, result) = try await client.initialize(version: "2024-01-01")
            #expect(result["protocolVersion"] as? String == ProtocolVersion.latest)
        }
    }

    @Test func eventStreamWhenTheClientAsksOnlyForIt() async throws {
        try await Self.withEndpoint { client, _ in
            let (session, _) = try await client.initialize()
            let response = try await client.post(
                #"{"jsonrpc":"2.0","id":7,"method":"ping"}"#, session: session, accept: "text/event-stream")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let text = String(buffer: response.body)
            #expect(text.hasPrefix("event: message\ndata: "))
            #expect(text.hasSuffix("\n\n"))
            let data = text.dropFirst("event: message\ndata: ".count).dropLast(2)
            let message = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
            #expect(message["id"] as? Int == 7)

            let both = try await client.post(
                #"{"jsonrpc":"2.0","id":8,"method":"ping"}"#, session: session, accept: "application/json, text/event-stream")
            #expect(both.headers[.contentType] == "application/json")
        }
    }

    @Test func batchesOnlyIn20250326() async throws {
        try await Self.withEndpoint { client, _ in
            let (old, _) = try await client.initialize(version: "2025-03-26")
            let batch =
                #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"nope"},{"jsonrpc":"2.0","id":3,"method":"initialize","params":{}}]"#
            let response = try await client.post(batch, session: old)
            #expect(response.status == .ok)
            let replies = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
            #expect(replies.count == 3)
            #expect(replies.compactMap { $0["id"] as? Int } == [1, 2, 3])
            #expect((replies[1]["error"] as? [String: Any])?["code"] as? Int == -32601)
            #expect((replies[2]["error"] as? [String: Any])?["code"] as? Int == -32600)

            let onlyNotifications = try await client.post(#"[{"jsonrpc":"2.0","method":"notifications/initialized"}]"#, session: old)
            #expect(onlyNotifications.status == .accepted)

            let (new, _) = try await client.initialize(version: "2025-06-18")
            let rejected = try await client.post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, session: new)
            #expect(rejected.status == .badRequest)
            #expect(rejected.errorCode == -32600)
            #expect(try await client.post("[]", session: old).status == .badRequest)
        }
    }

    // MARK: Bad input

    @Test func malformedAndMisshapenMessages() async throws {
        try await Self.withEndpoint { client, _ in
            let (session, _) = try await client.initialize()
            let cases: [(body: String, status: HTTPResponse.Status, code: Int)] = [
                ("{not json", .badRequest, -32700),
                ("", .badRequest, -32700),
                ("42", .badRequest, -32600),
                (#"{"foo":1}"#, .badRequest, -32600),
                (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, .badRequest, -32600),
                (#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#, .badRequest, -32600),
                (#"{"jsonrpc":"2.0","id":1,"method":7}"#, .badRequest, -32600),
                (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}"#, .badRequest, -32600),
                (#"{"jsonrpc":"2.0","id":1,"method":"does/not/exist"}"#, .ok, -32601),
                (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#, .ok, -32602),
                (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":42}}"#, .ok, -32602),
                (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"no_such_tool"}}"#, .ok, -32602),
                (#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#, .badRequest, -32600),
            ]
            for (body, status, code) in cases {
                let response = try await client.post(body, session: session)
                #expect(response.status == status, "\(body)")
                #expect(response.errorCode == code, "\(body)")
                #expect(response.headers[.contentType] == "application/json")
            }
            // The id of a misshapen request is echoed when it could be read.
            let echoed = try await client.post(#"{"jsonrpc":"1.0","id":"abc","method":"ping"}"#, session: session)
            #expect(echoed.json["id"] as? String == "abc")
            // A response from the client is accepted without a reply.
            #expect(try await client.post(#"{"jsonrpc":"2.0","id":5,"result":{}}"#, session: session).status == .accepted)
        }
    }

    @Test func initializeWithBadParams() async throws {
        try await Self.withEndpoint { client, _ in
            let missing = try await client.post(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.errorCode == -32602)
            let wrongType = try await client.post(
                #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5,"capabilities":{},"clientInfo":{"name":"x","version":"1"}}}"#
            )
            #expect(wrongType.errorCode == -32602)
            #expect(wrongType.headers[.mcpSessionID] == nil)
        }
    }

    @Test func transportErrors() async throws {
        try await Self.withEndpoint(configure: { $0.maxBodyBytes = 4096 }) { client, _ in
            let (session, _) = try await client.initialize()
            let ping = #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#

            let textPlain = try await client.post(ping, session: session, contentType: "text/plain")
            #expect(textPlain.status == .unsupportedMediaType)
            #expect(textPlain.errorCode == -32600)

            let noContentType = try await client.post(ping, session: session, contentType: nil)
            #expect(noContentType.status == .unsupportedMediaType)

            #expect(try await client.post(ping, session: session, accept: "text/html").status == .notAcceptable)
            #expect(try await client.post(ping, session: session, contentType: "application/json; charset=utf-8").status == .ok)

            let huge = #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""# + String(repeating: "x", count: 5000) + #""}}"#
            let tooLarge = try await client.post(huge, session: session)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.errorCode == -32600)

            let noSession = try await client.post(ping, session: nil)
            #expect(noSession.status == .badRequest)
            #expect(noSession.errorCode == -32600)

            let unknownSession = try await client.post(ping, session: "0123456789abcdef0123456789abcdef")
            #expect(unknownSession.status == .notFound)

            let badVersion = try await client.post(ping, session: session, version: "2099-01-01")
            #expect(badVersion.status == .badRequest)
            let data = try #require((badVersion.json["error"] as? [String: Any])?["data"] as? [String: Any])
            #expect(data["supported"] as? [String] == ProtocolVersion.supported)

            #expect(badVersion.errorCode == -32022)

            let mismatched = try await client.post(ping, session: session, version: "2025-03-26")
            #expect(mismatched.status == .badRequest)

            let get = try await client.request("/mcp/guide", method: .get, session: session)
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers[.allow] == "POST, DELETE")
        }
    }

    @Test func deleteEndsTheSession() async throws {
        try await Self.withEndpoint { client, _ in
            let (session, _) = try await client.initialize()
            #expect(try await client.request("/mcp/guide", method: .delete, session: nil).status == .badRequest)
            #expect(try await client.request("/mcp/guide", method: .delete, session: session).status == .noContent)
            #expect(try await client.request("/mcp/guide", method: .delete, session: session).status == .notFound)
            let reuse = try await client.post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, session: session)
            #expect(reuse.status == .notFound)
            #expect(reuse.errorCode == -32001)
        }
    }

    @Test func originValidation() async throws {
        try await Self.withEndpoint(settings: ServerSettings(allowedOrigins: ["https://docs.acme.dev"])) { client, _ in
            let initialize = MCPClient.initializeBody(version: ProtocolVersion.latest)
            let allowed = [
                "https://docs.acme.dev", "https://docs.acme.dev/", "http://guide.localhost:8080", "http://localhost:3000",
                "http://127.0.0.1:6274",
            ]
            for origin in allowed {
                #expect(try await client.post(initialize, origin: origin).status == .ok, "\(origin)")
            }
            let refused = ["https://evil.example", "null", "http://other.localhost:8080", "https://docs.acme.dev.evil.example", "file://"]
            for origin in refused {
                let response = try await client.post(initialize, origin: origin)
                #expect(response.status == .forbidden, "\(origin)")
                #expect(response.errorCode == -32600)
            }
            #expect(
                try await client.request("/mcp/guide", method: .delete, session: "x", origin: "https://evil.example").status == .forbidden)
        }
    }

    @Test func unknownTenantIsA404WithAJSONBody() async throws {
        try await Self.withEndpoint { client, _ in
            for path in ["/mcp/nope", "/mcp"] {
                let response = try await client.post(MCPClient.initializeBody(version: ProtocolVersion.latest), path: path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.errorCode == -32001)
            }
        }
    }

    @Test(arguments: Backend.available)
    func aSessionOfOneTenantIsUnknownToAnother(backend: Backend) async throws {
        try await Self.withEndpoint(backend) { client, _ in
            let (session, _) = try await client.initialize()
            let ping = #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#
            #expect(try await client.post(ping, session: session, path: "/mcp/other").status == .notFound)
            #expect(try await client.request("/mcp/other", method: .delete, session: session).status == .notFound)
            // …and it still works where it belongs.
            #expect(try await client.post(ping, session: session).status == .ok)
        }
    }

    @Test func healthAndReadinessAndRequestIDs() async throws {
        try await Self.withEndpoint { client, _ in
            let health = try await client.request("/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.json["status"] as? String == "ok")
            let ready = try await client.request("/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.json["database"] as? String == "ok")
            let first = try #require(health.headers[.requestID])
            #expect(first != ready.headers[.requestID])
            #expect(try await client.request("/nowhere", method: .get).headers[.requestID] != nil)
        }
    }

    @Test func readinessFailsWhenTheDatabaseIsGone() async throws {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database)
            await database.close()
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .serviceUnavailable)
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            }
        }
    }
}

/// Speaks MCP to the router under test.
struct MCPClient {
    let client: any TestClientProtocol

    static func initializeBody(version: String) -> String {
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"swift-test","version":"1.0"}}}"#
    }

    /// Initializes a session on `/mcp/guide`; returns its id and the `initialize` result.
    func initialize(version: String = ProtocolVersion.latest) async throws -> (String, [String: Any]) {
        let response = try await post(Self.initializeBody(version: version))
        #expect(response.status == .ok)
        let session = try #require(response.headers[.mcpSessionID])
        let result = try #require(response.json["result"] as? [String: Any])
        return (session, result)
    }

    func post(
        _ body: String, session: String? = nil, path: String = "/mcp/guide", version: String? = nil,
        accept: String = "application/json, text/event-stream", contentType: String? = "application/json", origin: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.accept] = accept
        headers[.contentType] = contentType
        headers[.mcpSessionID] = session
        headers[.mcpProtocolVersion] = version
        headers[.origin] = origin
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func request(_ path: String, method: HTTPRequest.Method, session: String? = nil, version: String? = nil, origin: String? = nil)
        async throws -> TestResponse
    {
        var headers: HTTPFields = [:]
        headers[.mcpSessionID] = session
        headers[.mcpProtocolVersion] = version
        headers[.origin] = origin
        return try await client.execute(uri: path, method: method, headers: headers)
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    var errorCode: Int? {
        (json["error"] as? [String: Any])?["code"] as? Int
    }
}
