import Foundation
import Testing

@testable import MCPlatform

@Suite struct TenancyTests {
    @Test(
        arguments: [
            ("acme.localhost", "acme"), ("ACME.localhost:8080", "acme"), ("acme.mcp.example.com", nil),
            ("localhost", nil), ("localhost:8080", nil), ("evil.com", nil), (".localhost", nil), ("a.b.localhost", nil),
        ] as [(String, String?)])
    func slugFromHost(host: String, slug: String?) {
        #expect(TenantRouting.slug(fromHost: host, baseDomain: "localhost") == slug)
    }

    @Test func slugFromHostWithAMultiLabelBaseDomain() {
        #expect(TenantRouting.slug(fromHost: "acme.mcp.example.com:443", baseDomain: "mcp.example.com") == "acme")
        #expect(TenantRouting.slug(fromHost: "acme.example.com", baseDomain: "mcp.example.com") == nil)
        #expect(TenantRouting.slug(fromHost: nil, baseDomain: "mcp.example.com") == nil)
    }

    @Test(arguments: ["ab", "acme-docs", "a1", String(repeating: "a", count: 63)])
    func validSlugs(slug: String) throws {
        #expect(try Slug(slug).value == slug)
    }

    @Test(arguments: [
        "a", "", "Acme", "-acme", "acme-", "ac me", "acme_docs", "ac.me", "www", "api", "ü-docs", String(repeating: "a", count: 64),
    ])
    func invalidSlugs(slug: String) {
        #expect(throws: SlugError.self) { try Slug(slug) }
    }

    /// Requests name servers in their URL or Host, so anyone can send any string: one that cannot
    /// be a slug is answered without a query and never kept (it would crowd out real servers).
    @Test func stringsThatCannotBeSlugsStayOutOfTheServerCache() async throws {
        try await Backend.sqlite.withDatabase { database in
            let tenancy = Platform.test(database: database).tenancy
            for slug in ["Not A Slug", "../admin", "acme_docs", "", String(repeating: "a", count: 300)] {
                let server = try await tenancy.cachedServer(slug: slug)
                #expect(server == nil)
                #expect(tenancy.serverCache.cached(slug) == nil, "not kept: \(slug.prefix(20))")
            }
            // The control: a slug that can be one is kept, as absent. Writes by other tests in this
            // process stop a load from being kept, so it is retried.
            var kept = false
            for _ in 0..<50 where !kept {
                let unknown = try await tenancy.cachedServer(slug: "no-such-server")
                #expect(unknown == nil)
                kept = tenancy.serverCache.cached("no-such-server") != nil
            }
            #expect(kept, "a slug without a server is kept as absent")
        }
    }
}
