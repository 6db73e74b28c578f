import Foundation
import Testing

@testable import MCPlatform

/// The one-second caches of the MCP request path: expiry, invalidation by this instance's
/// writes, and values loaded across a write never kept.
@Suite struct ExpiringCacheTests {
    @Test func keepsAValueForItsLifetime() async throws {
        let cache = ExpiringCache<String, Int>(lifetime: .milliseconds(200), changes: ChangeCounter())
        var loads = 0
        for _ in 0..<3 {
            #expect(
                await cache.value(for: "a") {
                    loads += 1; return 1
                } == 1)
        }
        #expect(loads == 1)
        try await Task.sleep(for: .milliseconds(250))
        #expect(cache.cached("a") == nil, "expired")
    }

    @Test func writesInvalidate() async {
        let changes = ChangeCounter()
        let cache = ExpiringCache<String, Int>(changes: changes)
        _ = await cache.value(for: "a") { 1 }
        _ = await cache.value(for: "b") { 2 }
        #expect(cache.cached("a") == 1 && cache.cached("b") == 2)
        changes.bump()
        #expect(cache.cached("a") == nil && cache.cached("b") == nil, "a write drops everything")
    }

    @Test func aValueLoadedAcrossAWriteIsNotKept() async {
        let changes = ChangeCounter()
        let cache = ExpiringCache<String, Int>(changes: changes)
        let value = await cache.value(for: "a") {
            changes.bump()  // a write while the row was being read
            return 1
        }
        #expect(value == 1)
        #expect(cache.cached("a") == nil)
    }

    @Test func staysWithinItsCapacity() async {
        let cache = ExpiringCache<Int, Int>(capacity: 10, changes: ChangeCounter())
        for key in 0..<25 { _ = await cache.value(for: key) { key } }
        #expect((0..<25).filter { cache.cached($0) != nil }.count <= 10)
        #expect(cache.cached(24) == 24)
    }
}
