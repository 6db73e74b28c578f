import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The per-server request limits of the Settings page: token buckets per client and per server.
@Suite struct RequestRateLimiterTests {
    @Test func bucketsAllowAMinutesWorthThenRefill() {
        let limiter = RequestRateLimiter()
        let start = ContinuousClock.now
        for _ in 0..<60 { #expect(limiter.take("k", perMinute: 60, now: start) == nil) }
        #expect(limiter.take("k", perMinute: 60, now: start) == 1)
        #expect(limiter.take("other", perMinute: 60, now: start) == nil, "buckets are separate")
        #expect(limiter.take("k", perMinute: 60, now: start + .milliseconds(1100)) == nil, "one token refills per second at 60/min")
        #expect(limiter.take("k", perMinute: 60, now: start + .milliseconds(1200)) != nil)
        #expect(limiter.take("slow", perMinute: 2, now: start) == nil)
        #expect(limiter.take("slow", perMinute: 2, now: start) == nil)
        #expect(limiter.take("slow", perMinute: 2, now: start) == 30)
    }

    @Test func clientLimitAnswers429WithRetryAfter() async throws {
        try await MCPEndpointTests.withEndpoint(settings: ServerSettings(clientRequestsPerMinute: 3)) { client, _ in
            let (session, _) = try await client.initialize()
            for id in 2...4 {
                let response = try await client.post(#"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#, session: session)
                #expect(response.status == .ok)
            }
            let limited = try await client.post(#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#, session: session)
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect((limited.json["error"] as? [String: Any])?["message"] as? String != nil)
            // Another client (session) of the same server still gets through.
            let (other, _) = try await client.initialize()
            #expect(try await client.post(#"{"jsonrpc":"2.0","id":6,"method":"ping"}"#, session: other).status == .ok)
        }
    }

    @Test func serverLimitCoversAllClientsOfThatServerOnly() async throws {
        try await MCPEndpointTests.withEndpoint(settings: ServerSettings(serverRequestsPerMinute: 2)) { client, _ in
            _ = try await client.initialize()
            _ = try await client.initialize()
            let third = try await client.post(MCPClient.initializeBody(version: ProtocolVersion.latest))
            #expect(third.status == .tooManyRequests)
            let otherServer = try await client.post(MCPClient.initializeBody(version: ProtocolVersion.latest), path: "/mcp/other")
            #expect(otherServer.status == .ok)
        }
    }
}
