import Foundation
import HTTPTypes
import Testing

@testable import MCPlatform

/// Per-server request counts, error rate and latency percentiles: recorded in memory, added up
/// in the database by every flush, and read back together with what is not flushed yet.
@Suite struct RequestStatisticsTests {
    @Test(arguments: Backend.available)
    func countsAddUpAcrossFlushes(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database)
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let guide = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Guide", organization: acme)
            let other = try await platform.tenancy.createServer(slug: Slug("other"), name: "Other", organization: acme)
            let statistics = RequestStatistics()
            let now = Date()
            // 90 fast requests (≤ 5 ms), 10 slow ones (≤ 500 ms), 4 of them failed.
            for index in 0..<100 {
                statistics.record(serverID: guide.id, milliseconds: index < 90 ? 3 : 400, failed: index >= 96, at: now)
            }
            statistics.record(serverID: other.id, milliseconds: 1, failed: false, at: now)
            try await statistics.flush(to: database)
            // A second instance's (or the next flush's) counts for the same minute add up.
            for _ in 0..<20 { statistics.record(serverID: guide.id, milliseconds: 3, failed: false, at: now) }
            try await statistics.flush(to: database)
            // Not flushed yet: still counted by this instance's summary.
            statistics.record(serverID: guide.id, milliseconds: 7000, failed: true, at: now)

            let summary = try await statistics.summary(serverID: guide.id, since: now.addingTimeInterval(-3600), database: database)
            #expect(summary.requests == 121)
            #expect(summary.errors == 5)
            #expect(abs(summary.errorRate - 500.0 / 121) < 0.001)
            #expect(summary.percentile(0.5) == "≤ 5 ms")
            #expect(summary.percentile(0.95) == "≤ 500 ms")
            #expect(summary.percentile(1.0) == "> 5 s")
            let otherSummary = try await statistics.summary(serverID: other.id, since: now.addingTimeInterval(-3600), database: database)
            #expect(otherSummary.requests == 1)
            let later = try await statistics.summary(serverID: guide.id, since: now.addingTimeInterval(120), database: database)
            #expect(later.requests == 0)
            #expect(later.percentile(0.95) == nil)
        }
    }

    @Test func whatCountsAsAFailure() {
        #expect(MCPEndpoint.countsAsFailure(.internalServerError))
        #expect(MCPEndpoint.countsAsFailure(.badRequest))
        #expect(MCPEndpoint.countsAsFailure(.forbidden))
        #expect(!MCPEndpoint.countsAsFailure(.ok))
        #expect(!MCPEndpoint.countsAsFailure(.accepted))
        #expect(!MCPEndpoint.countsAsFailure(.unauthorized))
        #expect(!MCPEndpoint.countsAsFailure(.notFound))
        #expect(!MCPEndpoint.countsAsFailure(.methodNotAllowed))
    }

    /// MCP traffic shows up in the platform's statistics (and so on the dashboard's overview).
    @Test func mcpRequestsAreRecorded() async throws {
        try await MCPEndpointTests.withEndpoint { client, platform in
            let (session, _) = try await client.initialize()
            _ = try await client.post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, session: session)
            _ = try await client.post(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#, session: session, contentType: "text/plain")
            let server = try #require(try await platform.tenancy.server(slug: "guide"))
            let summary = try await platform.requestStatistics.summary(
                serverID: server.id, since: Date().addingTimeInterval(-60), database: platform.database)
            #expect(summary.requests == 3)
            #expect(summary.errors == 1)
        }
    }
}
