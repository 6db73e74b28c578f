import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MCP
import NIOCore
import Testing

@testable import MCPlatform

/// `/metrics` through the router (no sockets): exact counts per tenant after known MCP traffic,
/// the bearer token, and the refusal of non-loopback clients without one.
@Suite struct MetricsTests {
    static let token = "metrics-token-0123456789abcdef"

    /// Organization `acme` with servers `guide` and `other`, the standard tools plus ``FailingTool``.
    static func withPlatform(
        _ backend: Backend = .sqlite, token: String? = MetricsTests.token,
        _ body: @escaping @Sendable (any TestClientProtocol, Platform) async throws -> Void
    ) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database, tools: ToolRegistry([AboutTool(), FailingTool()])) { configuration in
                configuration.metricsToken = token
            }
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: acme)
            _ = try await platform.tenancy.createServer(slug: Slug("other"), name: "Other", organization: acme)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                try await body(client, platform)
            }
        }
    }

    static func scrape(_ client: any TestClientProtocol) async throws -> Exposition {
        let response = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"])
        try #require(response.status == .ok, "\(response.status) \(String(buffer: response.body))")
        #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        return try Exposition(String(buffer: response.body))
    }

    static func call(_ tool: String, _ arguments: String = "{}", id: Int, session: String, path: String, client: MCPClient) async throws {
        let response = try await client.post(
            #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#,
            session: session, path: path)
        #expect(response.status == .ok)
    }

    @Test(arguments: Backend.available)
    func countsMCPRequestsAndToolCallsPerTenant(backend: Backend) async throws {
        try await Self.withPlatform(backend) { client, _ in
            let mcp = MCPClient(client: client)
            let (guide, _) = try await mcp.initialize()
            for id in 2...4 { try await Self.call("about", id: id, session: guide, path: "/mcp/guide", client: mcp) }
            try await Self.call("fail", #"{"mode":"tool_error"}"#, id: 5, session: guide, path: "/mcp/guide", client: mcp)
            for id in 6...7 { try await Self.call("fail", id: id, session: guide, path: "/mcp/guide", client: mcp) }
            let refused = try await mcp.post(#"{"jsonrpc":"2.0","id":8,"method":"ping"}"#, session: guide, version: "1999-01-01")
            #expect(refused.status == .badRequest)
            #expect(try await mcp.request("/mcp/guide", method: .get, session: guide).status == .methodNotAllowed)

            let other = try await mcp.post(MCPClient.initializeBody(version: ProtocolVersion.latest), path: "/mcp/other")
            let otherSession = try #require(other.headers[.mcpSessionID])
            try await Self.call("about", id: 2, session: otherSession, path: "/mcp/other", client: mcp)
            #expect(try await client.execute(uri: "/no/such/page", method: .get).status == .notFound)

            let metrics = try await Self.scrape(client)
            let requests = "mcplatform_mcp_requests_total"
            // initialize, 3 × about, 3 × fail (tool results are HTTP 200s)
            #expect(metrics[requests, ["tenant": "guide", "method": "POST", "outcome": "ok"]] == 7)
            #expect(metrics[requests, ["tenant": "guide", "method": "POST", "outcome": "error"]] == 1)
            #expect(metrics[requests, ["tenant": "guide", "method": "GET", "outcome": "ok"]] == 1)
            #expect(metrics[requests, ["tenant": "other", "method": "POST", "outcome": "ok"]] == 2)
            #expect(metrics[requests, ["tenant": "other", "method": "POST", "outcome": "error"]] == nil)
            #expect(metrics["mcplatform_mcp_request_duration_seconds_count", ["tenant": "guide"]] == 9)
            #expect(metrics["mcplatform_mcp_request_duration_seconds_count", ["tenant": "other"]] == 2)

            let calls = "mcplatform_mcp_tool_calls_total"
            #expect(metrics[calls, ["tenant": "guide", "tool": "about", "outcome": "ok"]] == 3)
            #expect(metrics[calls, ["tenant": "guide", "tool": "fail", "outcome": "tool_error"]] == 1)
            #expect(metrics[calls, ["tenant": "guide", "tool": "fail", "outcome": "failed"]] == 2)
            #expect(metrics[calls, ["tenant": "other", "tool": "about", "outcome": "ok"]] == 1)
            #expect(metrics.samples(calls).count == 4)

            let http = "mcplatform_http_requests_total"
            #expect(metrics[http, ["method": "POST", "route": "/mcp/{slug}", "status": "2xx"]] == 9)
            #expect(metrics[http, ["method": "POST", "route": "/mcp/{slug}", "status": "4xx"]] == 1)
            #expect(metrics[http, ["method": "GET", "route": "/mcp/{slug}", "status": "4xx"]] == 1)
            #expect(metrics[http, ["method": "GET", "route": "unmatched", "status": "4xx"]] == 1)
            #expect(metrics["mcplatform_http_request_duration_seconds_count", ["route": "/mcp/{slug}"]] == 11)
            #expect(metrics.samples(http).allSatisfy { !($0.labels["route"] ?? "").contains("guide") })

            #expect(metrics["mcplatform_unexpected_errors_total", [:]] == 2)
            #expect(metrics["mcplatform_database_up", [:]] == 1)
            #expect(metrics["mcplatform_database_pool_size", [:]] == 10)
            #expect(metrics["mcplatform_analytics_events_dropped_total", [:]] == 0)
            for queue in ["ingest", "email", "webhook"] { #expect(metrics["mcplatform_queue_depth", ["queue": queue]] == 0) }
            #expect((metrics["process_resident_memory_bytes", [:]] ?? 0) > 0)
            #expect((metrics["process_open_fds", [:]] ?? 0) > 0)
        }
    }

    @Test func queueDepthsCountWaitingWork() async throws {
        try await Self.withPlatform { client, platform in
            try await platform.accounts.outbox.enqueue(to: "ada@example.com", subject: "Hello", body: "Hi", logger: .quiet)
            let metrics = try await Self.scrape(client)
            #expect(metrics["mcplatform_queue_depth", ["queue": "email"]] == 1)
        }
    }

    @Test func theTokenIsRequiredWhenSet() async throws {
        try await Self.withPlatform { client, _ in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789abcdef"], [.authorization: Self.token]] {
                let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"mcplatform-metrics\"")
                #expect(!String(buffer: response.body).contains("mcplatform_"))
            }
            _ = try await Self.scrape(client)
        }
    }

    @Test func withoutTokenOnlyLoopbackClientsMayRead() async throws {
        try await Self.withPlatform(token: nil) { client, _ in
            // Router tests have no peer address: not a loopback client.
            let response = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
            #expect(response.status == .forbidden)
            #expect(String(buffer: response.body).contains("--metrics-token"))
        }
        #expect(try SocketAddress(ipAddress: "127.0.0.1", port: 1).isLoopback)
        #expect(try SocketAddress(ipAddress: "127.8.9.10", port: 1).isLoopback)
        #expect(try SocketAddress(ipAddress: "::1", port: 1).isLoopback)
        #expect(try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "10.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "128.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "::2", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "::ffff:10.0.0.1", port: 1).isLoopback)
    }

    @Test func theTokenMustBeLong() throws {
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration(flags: [.metricsToken: "short"], environment: [:])
        }
        let configuration = try AppConfiguration(flags: [:], environment: ["MCPLATFORM_METRICS_TOKEN": Self.token])
        #expect(configuration.metricsToken == Self.token)
    }
}

/// `fail`: throws ``ToolError`` with `{"mode": "tool_error"}`, else an unexpected error whose
/// message is `message` (default `boom 42`).
struct FailingTool: MCPTool {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let definition = Tool(name: "fail", description: "Fails.", inputSchema: ["type": "object"])

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        if arguments["mode"] == .string("tool_error") { throw ToolError("not like that") }
        throw Failure(description: arguments["message"]?.stringValue ?? "boom 42")
    }
}

/// A parsed Prometheus text exposition: samples by name and labels.
struct Exposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let samples: [Sample]

    init(_ text: String) throws {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let (series, value) = try #require(line.lastIndex(of: " ").map { (line[..<$0], line[line.index(after: $0)...]) })
            var labels: [String: String] = [:]
            var name = Substring(series)
            if let open = series.firstIndex(of: "{") {
                name = series[..<open]
                // Label values here hold no commas, quotes or escapes.
                for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
            }
            samples.append(Sample(name: String(name), labels: labels, value: try #require(Double(value), "\(line)")))
        }
        self.samples = samples
    }

    func samples(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    subscript(name: String, labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}
