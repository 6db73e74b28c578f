import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// Error tracking: unexpected errors of tools and routes grouped by fingerprint in the
/// database, occurrences capped and purged, and the operator's pages.
@Suite struct ErrorTrackingTests {
    static func store(_ platform: Platform) async throws -> ErrorGroupStore {
        try await platform.errors.flush(to: platform.database)
        return ErrorGroupStore(database: platform.database)
    }

    @Test(arguments: Backend.available)
    func unexpectedToolFailuresAreGroupedByFingerprint(backend: Backend) async throws {
        try await MetricsTests.withPlatform(backend) { client, platform in
            let mcp = MCPClient(client: client)
            let (session, _) = try await mcp.initialize()
            for (id, message) in [(2, "lookup 17 failed for 9f8e7d6c5b4a"), (3, "lookup 256 failed for 0a1b2c3d4e5f")] {
                try await MetricsTests.call(
                    "fail", #"{"message":"\#(message)"}"#, id: id, session: session, path: "/mcp/guide", client: mcp)
            }
            // A ToolError is the tool's answer, not an unexpected error.
            try await MetricsTests.call("fail", #"{"mode":"tool_error"}"#, id: 4, session: session, path: "/mcp/guide", client: mcp)

            let store = try await Self.store(platform)
            let groups = try await store.groups()
            try #require(groups.count == 1, "\(groups)")
            let group = groups[0]
            #expect(group.count == 2)
            #expect(group.place == "mcp tools/call fail")
            #expect(group.errorType == String(reflecting: FailingTool.Failure.self))
            #expect(group.message == "lookup <n> failed for <hex>")
            #expect(group.lastTenant == "guide")
            let occurrences = try await store.occurrences(groupID: group.id)
            #expect(occurrences.map(\.message) == ["lookup 256 failed for 0a1b2c3d4e5f", "lookup 17 failed for 9f8e7d6c5b4a"])
            let context = try #require(occurrences.first?.context)
            #expect(context["tenant"] == "guide")
            #expect(context["tool"] == "fail")
            #expect(context["method"] == "tools/call")
            #expect(context["session"] == session)
            let requestID = try #require(occurrences.first?.requestID)
            #expect(!requestID.isEmpty)
            #expect(group.lastRequestID == requestID)

            // The same failure on another tenant joins the group; a new message starts another.
            let other = try await mcp.post(MCPClient.initializeBody(version: ProtocolVersion.latest), path: "/mcp/other")
            let otherSession = try #require(other.headers[.mcpSessionID])
            try await MetricsTests.call(
                "fail", #"{"message":"lookup 3 failed for 123abc456def"}"#, id: 2, session: otherSession, path: "/mcp/other", client: mcp)
            try await MetricsTests.call(
                "fail", #"{"message":"disk full"}"#, id: 3, session: otherSession, path: "/mcp/other", client: mcp)
            let after = try await Self.store(platform).groups()
            #expect(after.map(\.count) == [1, 3])
            #expect(after.map(\.lastTenant) == ["other", "other"])
            #expect(after.last?.id == group.id)
        }
    }

    @Test func fingerprintsIgnoreNumbersAndIdsButNotThePlace() {
        let base = ErrorFingerprint(
            place: "mcp tools/call search_docs", errorType: "X", message: "row 12 of 6f1c2a3b-0d4e-4f5a-9b8c-7d6e5f4a3b2c at 0x7ffe10")
        let same = ErrorFingerprint(
            place: "mcp tools/call search_docs", errorType: "X", message: "row 7 of 00000000-1111-2222-3333-444455556666 at 0xdead")
        #expect(base == same)
        #expect(base.message == "row <n> of <uuid> at <hex>")
        #expect(ErrorFingerprint(place: "mcp tools/call read_page", errorType: "X", message: "row 12").digest != base.digest)
        #expect(ErrorFingerprint(place: "mcp tools/call search_docs", errorType: "Y", message: base.message).digest != base.digest)
        #expect(ErrorFingerprint(place: "p", errorType: "X", message: "deadline exceeded").message == "deadline exceeded")
        let long = ErrorFingerprint(place: "p", errorType: "X", message: String(repeating: "é", count: 2000))
        #expect(long.message.utf8.count == 2048)
    }

    @Test(arguments: Backend.available)
    func occurrencesAreCappedAndPurged(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database)
            let old = Date().addingTimeInterval(-31 * 86400)
            for batch in 0..<2 {
                for index in 0..<30 {
                    let number = batch * 30 + index
                    platform.errors.record(
                        FailingTool.Failure(description: "timeout after \(number) ms"), at: "GET /x", requestID: "r\(number)",
                        at: old.addingTimeInterval(Double(number)))
                }
                try await platform.errors.flush(to: database)
            }
            let store = ErrorGroupStore(database: database)
            let group = try #require(try await store.groups().first)
            #expect(group.count == 60)
            #expect(group.lastRequestID == "r59")
            #expect(abs(group.firstSeen.timeIntervalSince(old)) < 0.001)
            let kept = try await store.occurrences(groupID: group.id)
            #expect(kept.count == 50)
            #expect(kept.first?.requestID == "r59")
            #expect(kept.last?.requestID == "r10")

            platform.errors.record(FailingTool.Failure(description: "timeout after 1 ms"), at: "GET /x", requestID: "recent")
            try await platform.errors.flush(to: database)
            await ExpiredDataSweeper(platform: platform, interval: .seconds(600), logger: .quiet).sweep()
            #expect(try await store.occurrences(groupID: group.id).map(\.requestID) == ["recent"])
            #expect(try await store.groups().map(\.count) == [61])
        }
    }

    @Test func routesEndingInA500AreRecordedButHTTPErrorsAreNot() async throws {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database)
            let router = buildRouter(platform: platform)
            router.get("/explode/{id}") { _, _ -> Response in throw FailingTool.Failure(description: "kaput 7") }
            router.get("/refuse") { _, _ -> Response in throw HTTPError(.badRequest) }
            try await Application(router: router, logger: .quiet).test(.router) { client in
                let failed = try await client.execute(uri: "/explode/12", method: .get)
                #expect(failed.status == .internalServerError)
                let requestID = try #require(failed.headers[.requestID])
                #expect(try await client.execute(uri: "/refuse", method: .get).status == .badRequest)
                #expect(try await client.execute(uri: "/operator/errors", method: .get).headers[.location]?.hasPrefix("/login") == true)

                let store = try await Self.store(platform)
                let groups = try await store.groups()
                #expect(groups.map(\.place) == ["GET /explode/{id}"])
                #expect(groups.first?.lastRequestID == requestID)
                let group = try #require(groups.first)
                let context = try #require(try await store.occurrences(groupID: group.id).first?.context)
                #expect(context == ["method": "GET", "route": "/explode/{id}", "path": "/explode/12"])
            }
        }
    }

    @Test(arguments: Backend.available)
    func operatorsSeeTheErrorPagesEscapedAndNobodyElseDoes(backend: Backend) async throws {
        try await DashboardHarness.run(backend) { harness in
            let platform = harness.platform
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Docs", organization: organization)
            platform.errors.record(
                FailingTool.Failure(description: "<script>alert(1)</script> 5"), at: "mcp tools/call <b>x</b>", requestID: "req-<i>",
                serverID: server.id, context: ["tenant": "guide", "query": "<img src=x onerror=alert(1)>"])
            try await platform.errors.flush(to: platform.database)

            _ = try await platform.accounts.users.create(
                email: "op@example.com", name: "Operator", password: DashboardHarness.password, isOperator: true)
            let operatorBrowser = harness.browser()
            _ = try await operatorBrowser.submit("/login", ["email": "op@example.com", "password": DashboardHarness.password])
            let console = try await operatorBrowser.get("/operator")
            #expect(console.attribute("href", after: "errors-link") == "/operator/errors")

            let list = try await operatorBrowser.get("/operator/errors")
            #expect(list.status == .ok)
            #expect(list.html.contains("&lt;script&gt;alert(&lt;n&gt;)&lt;/script&gt; &lt;n&gt;"))
            #expect(list.html.contains("mcp tools/call &lt;b&gt;x&lt;/b&gt;"))
            #expect(list.html.contains("req-&lt;i&gt;"))
            #expect(!list.html.contains("<script>alert") && !list.html.contains("<b>x") && !list.html.contains("<i>"))
            #expect(list.html.contains("<code>guide</code>"))
            let group = try #require(try await ErrorGroupStore(database: platform.database).groups().first)
            #expect(list.html.contains("href=\"/operator/errors/\(group.id)\""))

            let detail = try await operatorBrowser.get("/operator/errors/\(group.id)")
            #expect(detail.status == .ok)
            #expect(detail.text(ofID: "error-count") == "1")
            #expect(detail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 5"))
            #expect(detail.html.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(!detail.html.contains("<script>alert") && !detail.html.contains("<img src=x"))
            #expect(try await operatorBrowser.get("/operator/errors/\(group.id + 1)").status == .notFound)
            #expect(try await operatorBrowser.get("/operator/errors/nope").status == .notFound)

            let customer = try await harness.owner("ada@example.com", organization: "Ada", slug: "ada")
            #expect(try await customer.get("/operator/errors").status == .notFound)
            #expect(try await customer.get("/operator/errors/\(group.id)").status == .notFound)
            #expect(try await harness.browser().get("/operator/errors").location?.hasPrefix("/login") == true)
        }
    }
}
