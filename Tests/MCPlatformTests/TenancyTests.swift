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
}
