import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The per-server request limits of the Settings page: token buckets per client and per server,
/// kept in the database so that every instance enforces the same limit.
@Suite struct RequestRateLimiterTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: Backend.available)
    func bucketsAllowAMinutesWorthThenRefill(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let limiter = RequestRateLimiter(database: database)
            let start = Self.start
            for _ in 0..<60 { #expect(try await limiter.take("k", perMinute: 60, now: start) == nil) }
            #expect(try await limiter.take("k", perMinute: 60, now: start) == 1)
            #expect(try await limiter.take("other", perMinute: 60, now: start) == nil, "buckets are separate")
            #expect(try await limiter.take("k", perMinute: 60, now: start + 1.1) == nil, "one token refills per second at 60/min")
            #expect(try await limiter.take("k", perMinute: 60, now: start + 1.2) == 1)
            // A clock behind the bucket's (another instance's, or stepped back) refills nothing
            // and does not move the bucket back: the next take at 1.2 s sees no time elapsed.
            #expect(try await limiter.take("k", perMinute: 60, now: start) == 1)
            #expect(try await limiter.take("k", perMinute: 60, now: start + 1.2) == 1)
            #expect(try await limiter.take("slow", perMinute: 2, now: start) == nil)
            #expect(try await limiter.take("slow", perMinute: 2, now: start) == nil)
            #expect(try await limiter.take("slow", perMinute: 2, now: start) == 30)
            // A lowered limit applies at once; a full minute later the bucket holds the new size.
            #expect(try await limiter.take("slow", perMinute: 1, now: start + 1) == 59, "refills at 1/min now")
            for _ in 0..<5 { #expect(try await limiter.take("resized", perMinute: 5, now: start + 60) == nil) }
            #expect(try await limiter.take("resized", perMinute: 5, now: start + 60) == 12)
        }
    }

    @Test(arguments: Backend.available)
    func idleBucketsAreSweptWithoutChangingAnyAnswer(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let limiter = RequestRateLimiter(database: database)
            let start = Self.start
            for _ in 0..<3 { _ = try await limiter.take("idle", perMinute: 3, now: start) }
            _ = try await limiter.take("busy", perMinute: 3, now: start + 50)
            let later = start + RequestRateLimiter.refillTime + 1
            try await limiter.purge(before: later - RequestRateLimiter.refillTime)
            let keys = try await database.query("SELECT key FROM request_buckets").map { try $0.decode("key", as: String.self) }
            #expect(keys == ["busy"])
            for _ in 0..<3 { #expect(try await limiter.take("idle", perMinute: 3, now: later) == nil, "swept: a full bucket") }
            #expect(try await limiter.take("idle", perMinute: 3, now: later) != nil)
        }
    }

    /// Many takes at once through two separate pools (two instances) on one database: exactly
    /// the bucket's tokens are handed out.
    @Test(arguments: Backend.available)
    func concurrentTakesNeverExceedTheBucket(backend: Backend) async throws {
        try await backend.withTwoPools(poolSize: 8) { first, second in
            let limiters = [RequestRateLimiter(database: first), RequestRateLimiter(database: second)]
            let now = Date()
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<300 {
                    group.addTask { try await limiters[index % 2].take("hot", perMinute: 40, now: now) == nil }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 40)
        }
    }

    @Test(arguments: Backend.available)
    func twoInstancesShareTheLimits(backend: Backend) async throws {
        try await backend.withTwoPools(poolSize: 4) { first, second in
            let a = Platform.test(database: first)
            let b = Platform.test(database: second)
            let acme = try await a.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await a.tenancy.createServer(
                slug: Slug("guide"), name: "Guide", organization: acme, settings: ServerSettings(clientRequestsPerMinute: 4))
            _ = try await a.tenancy.createServer(
                slug: Slug("busy"), name: "Busy", organization: acme, settings: ServerSettings(serverRequestsPerMinute: 3))
            let appA = Application(router: buildRouter(platform: a), logger: .quiet)
            let appB = Application(router: buildRouter(platform: b), logger: .quiet)
            try await appA.test(.router) { clientA in
                try await appB.test(.router) { clientB in
                    let instances = [MCPClient(client: clientA), MCPClient(client: clientB)]
                    let (session, _) = try await instances[0].initialize()
                    var started = ContinuousClock.now
                    var statuses: [HTTPResponse.Status] = []
                    for id in 2...7 {
                        let ping = #"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#
                        statuses.append(try await instances[id % 2].post(ping, session: session).status)
                    }
                    Self.expectLimited(statuses, perMinute: 4, since: started, "one client: 4 per minute in all")

                    started = ContinuousClock.now
                    var initializes: [HTTPResponse.Status] = []
                    for index in 0..<5 {
                        let body = MCPClient.initializeBody(version: ProtocolVersion.latest)
                        initializes.append(try await instances[index % 2].post(body, path: "/mcp/busy").status)
                    }
                    Self.expectLimited(initializes, perMinute: 3, since: started, "one server: 3 per minute in all")
                }
            }
        }
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

    /// A client over its own limit is refused before the server's bucket is touched, so it
    /// cannot use up the limit of the server's other clients.
    @Test func aClientOverItsLimitDoesNotUseUpTheServers() async throws {
        let settings = ServerSettings(clientRequestsPerMinute: 2, serverRequestsPerMinute: 5)
        try await MCPEndpointTests.withEndpoint(settings: settings) { client, _ in
            let (noisy, _) = try await client.initialize()
            var statuses: [HTTPResponse.Status] = []
            for id in 2...6 {
                statuses.append(try await client.post(#"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#, session: noisy).status)
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests, .tooManyRequests, .tooManyRequests])
            // initialize + 2 pings used 3 of the server's 5: another client still gets 2.
            let (quiet, _) = try await client.initialize()
            #expect(try await client.post(#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#, session: quiet).status == .ok)
        }
    }

    /// The first `perMinute` answers are 200 and the rest 429, but for the tokens the bucket
    /// regained while a loaded machine made the requests slow (one per 60 s / `perMinute`).
    static func expectLimited(
        _ statuses: [HTTPResponse.Status], perMinute: Int, since started: ContinuousClock.Instant, _ comment: Comment,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let refilled = Int((ContinuousClock.now - started) / .seconds(60.0 / Double(perMinute)))
        let allowed = min(statuses.count, perMinute + refilled)
        #expect(Array(statuses.prefix(perMinute)) == Array(repeating: .ok, count: perMinute), comment, sourceLocation: sourceLocation)
        #expect(statuses.filter { $0 == .ok }.count <= allowed, comment, sourceLocation: sourceLocation)
        #expect(statuses.allSatisfy { [.ok, .tooManyRequests].contains($0) }, comment, sourceLocation: sourceLocation)
        if refilled == 0 {
            #expect(statuses.dropFirst(perMinute).allSatisfy { $0 == .tooManyRequests }, comment, sourceLocation: sourceLocation)
        }
    }
}
