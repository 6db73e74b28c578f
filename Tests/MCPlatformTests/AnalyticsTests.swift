import Foundation
import Hummingbird
import HummingbirdTesting
import MCP
import Testing

@testable import MCPlatform

/// Analytics on both backends: every MCP request captured, usage sessions, search resolution
/// (implicit signals and `submit_feedback`), the overview's numbers, rollups and retention.
@Suite struct AnalyticsTests {
    /// Server `guide` with the docs corpus, an MCP client and the platform.
    static func withDocs(
        _ backend: Backend, _ body: @escaping @Sendable (MCPClient, Platform, TenantServer) async throws -> Void
    ) async throws {
        let folder = try DocsIngestionTests.Folder(DocsIngestionTests.corpus)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database)
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: organization)
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                try await body(MCPClient(client: client), platform, server)
            }
        }
    }

    static func processor(_ platform: Platform, window: TimeInterval = 600) -> AnalyticsProcessor {
        var settings = AnalyticsSettings()
        settings.resolutionWindow = window
        return AnalyticsProcessor(database: platform.database, settings: settings)
    }

    static func results(_ result: [String: Any]) -> [[String: Any]] {
        ((result["structuredContent"] as? [String: Any])?["results"] as? [[String: Any]]) ?? []
    }

    @Test(arguments: Backend.available)
    func aScriptedSessionGivesExactNumbers(backend: Backend) async throws {
        try await Self.withDocs(backend) { client, platform, server in
            let (session, _) = try await client.initialize()
            // Resolved: a result is read before the next search.
            let install = try await client.tool("search_docs", ["query": "How do I install the SDK?"], session: session)
            let url = try #require(Self.results(install).first?["url"] as? String)
            _ = try await client.tool("read_page", ["url": url], session: session)
            // Unresolved: nothing found.
            let nothing = try await client.tool("search_docs", ["query": "kubernetes helm chart"], session: session)
            #expect(Self.results(nothing).isEmpty)
            // Unresolved: searched again without reading (twice).
            _ = try await client.tool("search_docs", ["query": "timeouts"], session: session)
            _ = try await client.tool("search_docs", ["query": "request timeout seconds"], session: session)
            // Unresolved by feedback although a result was read.
            let retries = try await client.tool("search_docs", ["query": "retries"], session: session)
            _ = try await client.tool("read_page", ["url": try #require(Self.results(retries).first?["url"] as? String)], session: session)
            let feedback = try await client.tool(
                "submit_feedback", ["helpful": false, "query": "Retries?", "comment": "no jitter setting"], session: session)
            #expect(WalkthroughToolsTests.text(feedback).contains("not helpful for the search \"retries\""))
            _ = try await client.call("tools/list", [:], session: session)
            let unknown = try await client.post(#"{"jsonrpc":"2.0","id":9,"method":"nope/nope"}"#, session: session)
            #expect(unknown.errorCode == -32601)

            try await platform.events.flush(to: platform.database)
            try await platform.requestStatistics.flush(to: platform.database)
            let period = AnalyticsPeriod.last(7)
            let report = AnalyticsReport(database: platform.database)
            #expect(try await Self.processor(platform).processOnce())
            var overview = try await report.overview(serverID: server.id, period: period)
            #expect(overview.searches == 5)
            #expect(overview.resolvedSearches == 0 && overview.unresolvedSearches == 1, "only the feedback settled one so far")
            #expect(overview.pendingSearches == 4)

            // Once the window has passed, every search is settled.
            try await Self.processor(platform).processOnce(now: Date().addingTimeInterval(601))
            overview = try await report.overview(serverID: server.id, period: period)
            #expect(overview.resolvedSearches == 1)
            #expect(overview.unresolvedSearches == 4)
            #expect(overview.resolutionRate == 20)
            #expect(overview.toolCalls == 8, "5 searches, 2 reads, 1 feedback")
            #expect(overview.activeUsers == 1 && overview.dailyActiveUsers == 1 && overview.weeklyActiveUsers == 1)
            #expect(overview.sessions == 1)
            #expect(overview.requests == 11, "initialize, 8 tool calls, tools/list, the unknown method")
            #expect(overview.failedRequests == 0, "an unknown method is the client's mistake, not a failure")
            #expect(overview.feedbackHelpful == 0 && overview.feedbackNotHelpful == 1)
            #expect(try #require(overview.averageLatencyMilliseconds) > 0)

            let sessionID = try #require(
                try await report.sessions(serverID: server.id, period: period, participant: nil, limit: 10, offset: 0).first?.id)
            let timeline = try await report.timeline(serverID: server.id, sessionID: sessionID)
            #expect(timeline.map(\.method).first == "initialize")
            #expect(timeline.count == 11)
            #expect(timeline.last?.outcome == .error)
            let reasons = timeline.filter { $0.tool == "search_docs" }.map { "\($0.summary ?? ""):\($0.resolutionReason ?? "")" }
            #expect(
                reasons == [
                    "How do I install the SDK?:read", "kubernetes helm chart:no_results", "timeouts:requery",
                    "request timeout seconds:requery",
                    "retries:feedback",
                ])

            let gaps = try await report.contentGaps(serverID: server.id, period: period, limit: 10)
            #expect(Set(gaps.map(\.query)) == ["kubernetes helm chart", "timeouts", "request timeout seconds", "retries"])
            #expect(gaps.first { $0.query == "kubernetes helm chart" }?.zeroResults == 1)
            #expect(gaps.allSatisfy { $0.exampleSessions == [sessionID] })
            let pages = try await report.pages(serverID: server.id, period: period, limit: 10)
            #expect(pages.first { $0.url == url }?.reads == 1)
            let adoption = try await report.adoption(serverID: server.id, period: period)
            #expect(adoption.first == ToolAdoption(tool: "search_docs", users: 1, calls: 5))
            let feedbackEntries = try await report.feedback(serverID: server.id, period: period, limit: 5)
            #expect(feedbackEntries.map(\.comment) == ["no jitter setting"])
        }
    }

    /// An event of `participant` at `at`, recorded straight into the log.
    static func event(
        _ server: TenantServer, _ participant: String, at: Date, tool: String? = "search_docs", query: String? = "install"
    ) -> MCPEvent {
        MCPEvent(
            serverID: server.id, sessionID: participant, participant: participant, endUserID: nil,
            method: tool == nil ? "ping" : "tools/call",
            tool: tool, summary: query, queryKey: query.map(QueryText.key), resultCount: 0, pages: [], outcome: .ok, errorCode: nil,
            latencyMicroseconds: 1000, at: at, clientName: nil, clientVersion: nil)
    }

    @Test(arguments: Backend.available)
    func aGapOfMoreThanThirtyMinutesStartsANewSession(backend: Backend) async throws {
        try await Self.withDocs(backend) { _, platform, server in
            let t0 = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970 / 86400) * 86400 + 3600)
            for offset in [0, 600, 600 + 1801] { platform.events.record(Self.event(server, "session:a", at: t0 + Double(offset))) }
            platform.events.record(Self.event(server, "session:b", at: t0 + 60, tool: nil))
            try await platform.events.flush(to: platform.database)
            #expect(try await Self.processor(platform).processOnce(now: t0 + 2500))
            // A later event extends the open session.
            platform.events.record(Self.event(server, "session:a", at: t0 + 2401 + 300))
            try await platform.events.flush(to: platform.database)
            try await Self.processor(platform).processOnce(now: t0 + 2800)

            let report = AnalyticsReport(database: platform.database)
            let sessions = try await report.sessions(
                serverID: server.id, period: .last(1, now: t0), participant: "session:a", limit: 10, offset: 0)
            #expect(sessions.map(\.durationSeconds) == [300, 600], "newest first: after a gap of 30 min 1 s, a new session")
            #expect(sessions.map(\.requests) == [2, 2])
            let overview = try await report.overview(serverID: server.id, period: .last(1, now: t0), now: t0 + 2800)
            #expect(overview.sessions == 2, "b only pinged: a connection, not a usage session")
            #expect(overview.activeUsers == 1)
            #expect(overview.medianSessionSeconds == 300, "durations 300, 600")
            #expect(overview.p90SessionSeconds == 600)
            #expect(overview.searches == 4)
        }
    }

    @Test(arguments: Backend.available)
    func rollupsKeepTheNumbersWhenRawEventsExpire(backend: Backend) async throws {
        try await Self.withDocs(backend) { _, platform, server in
            let today = floor(Date().timeIntervalSince1970 / 86400) * 86400
            // Processed as at noon: just after midnight, yesterday is not rolled up yet (its
            // searches are still inside their resolution window).
            let noon = Date(timeIntervalSince1970: today + 43200)
            let old = Date(timeIntervalSince1970: today - 100 * 86400 + 7200)
            let recent = Date(timeIntervalSince1970: today - 2 * 86400 + 7200)
            try await platform.database.query("UPDATE mcp_servers SET created_at = \(old - 3600) WHERE id = \(server.id)")
            for at in [old, old + 60, recent] { platform.events.record(Self.event(server, "session:a", at: at)) }
            platform.events.record(Self.event(server, "session:b", at: recent + 30))
            platform.requestStatistics.record(serverID: server.id, milliseconds: 40, failed: false, at: old)
            platform.requestStatistics.record(serverID: server.id, milliseconds: 3000, failed: true, at: old + 1)
            try await platform.events.flush(to: platform.database)
            try await platform.requestStatistics.flush(to: platform.database)

            let report = AnalyticsReport(database: platform.database)
            let processor = Self.processor(platform)
            _ = try await processor.assignSessions()
            let oldPeriod = AnalyticsPeriod(start: Date(timeIntervalSince1970: today - 100 * 86400), days: 1)
            let before = try await report.overview(serverID: server.id, period: oldPeriod)
            #expect(before.searches == 2 && before.requests == 2 && before.failedRequests == 1)

            try await processor.processOnce(now: noon)
            let rolled = try await platform.database.one("SELECT count(*) AS days FROM analytics_days WHERE server_id = \(server.id)")
            #expect(try rolled.decode("days", as: Int64.self) == 100, "every finished day since the server was created")
            let raw = try await platform.database.one("SELECT count(*) AS events FROM mcp_events WHERE server_id = \(server.id)")
            #expect(try raw.decode("events", as: Int64.self) == 2, "events older than 90 days are gone")
            let after = try await report.overview(serverID: server.id, period: oldPeriod)
            #expect(after.searches == before.searches && after.unresolvedSearches == 2)
            #expect(after.requests == before.requests && after.failedRequests == before.failedRequests)
            #expect(after.p95Latency == before.p95Latency && after.averageLatencyMilliseconds == before.averageLatencyMilliseconds)
            #expect(after.sessions == 1 && after.activeUsers == 1, "usage sessions are kept")
            let queries = try await report.topQueries(serverID: server.id, period: oldPeriod, limit: 10)
            #expect(queries.map { "\($0.query):\($0.searches):\($0.zeroResults):\($0.unresolved):\($0.users)" } == ["install:2:2:2:1"])
            #expect(try await report.contentGaps(serverID: server.id, period: oldPeriod, limit: 10).map(\.key) == ["install"])
            #expect(
                try await report.adoption(serverID: server.id, period: oldPeriod) == [ToolAdoption(tool: "search_docs", users: 1, calls: 2)]
            )
            // A period across rolled-up days and today's raw events adds both.
            platform.events.record(Self.event(server, "session:c", at: Date(), query: "Install?"))
            try await platform.events.flush(to: platform.database)
            try await processor.processOnce(now: noon)
            let all = try await report.topQueries(serverID: server.id, period: .last(120), limit: 10)
            #expect(all.map { "\($0.query):\($0.searches):\($0.users)" } == ["Install?:5:4"], "the latest wording; users once per day")
            let days = try await report.days(serverID: server.id, period: .last(3))
            #expect(days.map(\.activeUsers) == [2, 0, 1], "the day before yesterday (rolled up), yesterday, today (raw)")
            #expect(days.map(\.searches) == [2, 0, 1])
        }
    }

    /// A search is settled from the participant's next searches and reads, at most
    /// ``AnalyticsProcessor/laterEventsConsidered`` of them; a ticket later in the window counts.
    @Test(arguments: Backend.available)
    func aTicketBeyondTheEventsConsideredStillCounts(backend: Backend) async throws {
        try await Self.withDocs(backend) { _, platform, server in
            let t0 = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970 / 86400) * 86400 + 3600)
            func event(_ tool: String, at offset: Double, pages: [String] = []) -> MCPEvent {
                MCPEvent(
                    serverID: server.id, sessionID: "session:a", participant: "session:a", endUserID: nil, method: "tools/call",
                    tool: tool, summary: "install", queryKey: "install", resultCount: pages.count, pages: pages, outcome: .ok,
                    errorCode: nil, latencyMicroseconds: 1000, at: t0 + offset, clientName: nil, clientVersion: nil)
            }
            platform.events.record(event("search_docs", at: 0, pages: ["guide/install.md"]))
            for index in 0..<AnalyticsProcessor.laterEventsConsidered {
                platform.events.record(event("read_page", at: 1 + Double(index) / 1000, pages: ["guide/other.md"]))
            }
            platform.events.record(event("create_support_ticket", at: 300))
            try await platform.events.flush(to: platform.database)
            try await Self.processor(platform).processOnce(now: t0 + 700)
            let search = try await platform.database.one(
                "SELECT resolution, resolution_reason FROM mcp_events WHERE server_id = \(server.id) AND tool = 'search_docs'")
            #expect(try search.decode("resolution", as: String.self) == "unresolved")
            #expect(try search.decode("resolution_reason", as: String.self) == "ticket")
        }
    }

    @Test func oneInstanceProcessesAtATime() async throws {
        try await Backend.sqlite.withDatabase { database async throws in
            let first = AnalyticsProcessor(database: database, settings: AnalyticsSettings(), holder: "a")
            let second = AnalyticsProcessor(database: database, settings: AnalyticsSettings(), holder: "b")
            let now = Date()
            #expect(try await first.processOnce(now: now))
            #expect(try await second.processOnce(now: now + 30) == false, "the lease lasts a minute")
            #expect(try await first.processOnce(now: now + 30), "the holder renews it")
            #expect(try await second.processOnce(now: now + 91), "and it can be taken once it ran out")
        }
    }

    @Test func queriesAreGroupedByTheirWords() {
        #expect(QueryText.key("How do I configure Webhooks?") == "configure webhooks")
        #expect(QueryText.key("webhooks: configure") == "configure webhooks")
        #expect(QueryText.key("What is it?") == "what is it", "only stop words: the words themselves")
        #expect(QueryText.key(String(repeating: "long ", count: 100)).count <= 200)
    }

    @Test func internalFailuresCountAsFailedRequests() async throws {
        struct Broken: MCPTool {
            let definition = Tool(name: "broken", description: "Fails.", inputSchema: ["type": "object"])
            func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
                throw CancellationError()
            }
        }
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform(
                configuration: AppConfiguration(), secretKey: try SecretKey(base64: Data(repeating: 7, count: 32).base64EncodedString()),
                database: database, tools: ToolRegistry([Broken()]))
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Docs", organization: acme)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                let mcp = MCPClient(client: client)
                let (session, _) = try await mcp.initialize()
                let result = try await mcp.tool("broken", [:], session: session)
                #expect(result["isError"] as? Bool == true)
            }
            try await platform.events.flush(to: database)
            try await platform.requestStatistics.flush(to: database)
            let overview = try await AnalyticsReport(database: database).overview(serverID: server.id, period: .last(1))
            #expect(overview.requests == 2 && overview.failedRequests == 1)
            let outcome = try await database.one("SELECT outcome FROM mcp_events WHERE tool = 'broken'")
            #expect(try outcome.decode("outcome", as: MCPEvent.Outcome.self) == .error)
        }
    }

    @Test func theAdminAPIServesTheOverviewAndTheGaps() async throws {
        try await AdminAPITests.withAPI { client, platform in
            let server = try #require(try await platform.tenancy.server(slug: "guide"))
            let now = Date()
            platform.events.record(Self.event(server, "session:a", at: now.addingTimeInterval(-60), query: "helm chart"))
            platform.events.record(Self.event(server, "session:b", at: now.addingTimeInterval(-8 * 86400), query: "install"))
            try await platform.events.flush(to: platform.database)
            try await Self.processor(platform, window: 0).processOnce()

            let response = try await AdminAPITests.call(client, .get, "/api/v1/servers/guide/analytics?days=7")
            #expect(response.status == .ok)
            let current = try #require(response.json["current"] as? [String: Any])
            let previous = try #require(response.json["previous"] as? [String: Any])
            #expect(current["searches"] as? Int == 1 && current["active_users"] as? Int == 1 && current["sessions"] as? Int == 1)
            #expect(current["resolution_rate"] as? Double == 0, "zero results: unresolved")
            #expect(previous["searches"] as? Int == 1, "the week before")
            #expect(current["error_rate"] is NSNull, "no requests through the endpoint: unknown, not 0")
            #expect((response.json["days"] as? [[String: Any]])?.count == 7)

            let gaps = try await AdminAPITests.call(client, .get, "/api/v1/servers/guide/analytics/queries?kind=gaps&days=7")
            #expect(((gaps.json["queries"] as? [[String: Any]])?.map { $0["query"] as? String }) == ["helm chart"])
            #expect(try await AdminAPITests.call(client, .get, "/api/v1/servers/guide/analytics?days=0").status == .badRequest)
            #expect(try await AdminAPITests.call(client, .get, "/api/v1/servers/guide/analytics/queries?kind=all").status == .badRequest)

            let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            let (_, key) = try await platform.accounts.apiKeys.create(organizationID: globex.id, name: "ci", createdBy: nil)
            #expect(try await AdminAPITests.call(client, .get, "/api/v1/servers/guide/analytics", token: key).status == .notFound)
        }
    }
}
