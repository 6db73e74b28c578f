import Foundation
import Testing

@testable import MCPlatform

/// The building blocks of sign-in: redirect URI rules, PKCE, scopes, sealing and rate limits.
@Suite struct AuthPrimitivesTests {
    // MARK: Redirect URIs

    @Test(arguments: [
        "https://app.example/cb", "https://app.example:8443/oauth/callback?x=1", "http://127.0.0.1:3000/callback", "http://127.0.0.1/cb",
        "http://localhost:6274/oauth/callback", "http://[::1]:8000/cb", "cursor://anysphere.cursor-retrieval/oauth/callback",
        "vscode://vscode.github-authentication/did-authenticate", "com.example.app:/oauth2redirect",
    ])
    func acceptableRedirectURIs(uri: String) {
        #expect(RedirectURI.problem(with: uri) == nil)
    }

    @Test(arguments: [
        "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>hi</b>", "file:///etc/passwd", "vbscript:msgbox", "about:blank",
        "http://evil.example/cb", "http://localhost.evil.example/cb", "http://127.0.0.1.evil.example/cb", "http://10.0.0.1/cb",
        "https://app.example/cb#fragment", "https://app.example/cb#", "https:///cb", "/relative/cb", "cb", "",
        "https://app.example/" + String(repeating: "a", count: 2000),
    ])
    func refusedRedirectURIs(uri: String) {
        #expect(RedirectURI.problem(with: uri) != nil)
    }

    @Test func redirectURIMatching() {
        let cases: [(presented: String, registered: String, matches: Bool)] = [
            ("https://app.example/cb", "https://app.example/cb", true),
            ("cursor://anysphere.cursor-retrieval/oauth/callback", "cursor://anysphere.cursor-retrieval/oauth/callback", true),
            ("http://127.0.0.1:54321/callback", "http://127.0.0.1:3000/callback", true),
            ("http://127.0.0.1:54321/callback", "http://127.0.0.1/callback", true),
            ("http://127.0.0.1/callback", "http://127.0.0.1:3000/callback", true),
            ("http://localhost:9999/cb", "http://localhost:1234/cb", true),
            ("http://[::1]:9999/cb", "http://[::1]:1234/cb", true),
            ("http://127.0.0.1:9/cb?x=1", "http://127.0.0.1:3000/cb?x=1", true),
            // Only loopback http redirects may change the port.
            ("https://localhost:4000/cb", "https://localhost:3000/cb", false),
            ("https://app.example:444/cb", "https://app.example/cb", false),
            ("cursor://anysphere.cursor-retrieval/other", "cursor://anysphere.cursor-retrieval/oauth/callback", false),
            // Everything else must be identical.
            ("http://localhost:3000/cb", "http://127.0.0.1:3000/cb", false),
            ("http://127.0.0.1:3000/other", "http://127.0.0.1:3000/cb", false),
            ("http://127.0.0.1:3000/cb?x=2", "http://127.0.0.1:3000/cb?x=1", false),
            ("http://user@127.0.0.1:3000/cb", "http://127.0.0.1:3000/cb", false),
            ("https://app.example/cb/", "https://app.example/cb", false),
            ("https://APP.example/cb", "https://app.example/cb", false),
            ("https://evil.example/cb", "https://app.example/cb", false),
        ]
        for (presented, registered, matches) in cases {
            #expect(RedirectURI.matches(presented, registered: registered) == matches, "\(presented) vs \(registered)")
        }
    }

    // MARK: PKCE and scopes

    @Test func pkceMatchesRFC7636AppendixB() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(PKCE.challenge(for: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.isValidVerifier(verifier))
        #expect(PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.isValidVerifier(String(verifier.dropLast())))
        #expect(PKCE.isValidVerifier(String(repeating: "a", count: 128)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(verifier.dropLast()) + "+"))
        #expect(!PKCE.isValidVerifier(String(verifier.dropLast()) + "="))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"))
        #expect(PKCE.isValidVerifier(RandomToken.make()))
    }

    @Test func grantedScope() {
        #expect(AccessScope.granted(for: nil) == "mcp")
        #expect(AccessScope.granted(for: "") == "mcp")
        #expect(AccessScope.granted(for: "mcp") == "mcp")
        #expect(AccessScope.granted(for: "openid profile email offline_access") == "mcp")
        #expect(AccessScope.granted(for: "mcp offline_access") == "mcp")
        #expect(AccessScope.granted(for: "admin") == nil)
        #expect(AccessScope.granted(for: "mcp admin") == nil)
        #expect(AccessScope.granted(for: "MCP") == nil)
    }

    // MARK: Sealing

    @Test func sealedValuesOpenOnlyForTheirPurposeAndKey() throws {
        let key = try SecretKey(base64: Data(repeating: 1, count: 32).base64EncodedString())
        let otherKey = try SecretKey(base64: Data(repeating: 2, count: 32).base64EncodedString())
        let sealed = try key.seal("client-secret-ü", purpose: "upstream-client-secret")
        #expect(sealed.hasPrefix("v1."))
        #expect(!sealed.contains("client-secret"))
        #expect(try key.open(sealed, purpose: "upstream-client-secret") == "client-secret-ü")
        #expect(try key.seal("client-secret-ü", purpose: "upstream-client-secret") != sealed)

        #expect(throws: SealingError.self) { try key.open(sealed, purpose: "token-signing-key") }
        #expect(throws: SealingError.self) { try otherKey.open(sealed, purpose: "upstream-client-secret") }
        #expect(throws: SealingError.self) { try key.open("not sealed", purpose: "upstream-client-secret") }
        var bytes = try #require(Data(base64Encoded: String(sealed.dropFirst(3))))
        bytes[bytes.count / 2] ^= 0x01
        #expect(throws: SealingError.self) { try key.open("v1." + bytes.base64EncodedString(), purpose: "upstream-client-secret") }

        #expect(key.tokenHash("abc") == key.tokenHash("abc"))
        #expect(key.tokenHash("abc") != key.tokenHash("abd"))
        #expect(key.tokenHash("abc") != otherKey.tokenHash("abc"))
        #expect(key.tokenHash("abc").count == 64)
    }

    // MARK: Rate limits

    @Test func rateLimiterCountsPerKeyAndWindow() async throws {
        try await Backend.sqlite.withDatabase { database async throws in
            let limiter = RateLimiter(database: database)
            let limit = RateLimiter.Limit(requests: 3, perSeconds: 60)
            let start = Date(timeIntervalSince1970: 1_800_000_000 + 10)  // 10 s into a window
            for second in 0..<3 {
                #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(Double(second))) == nil)
            }
            #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(3)) == 47)
            #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(49)) == 1)
            #expect(try await limiter.hit("b", limit: limit, now: start.addingTimeInterval(5)) == nil)
            // The next window starts afresh.
            #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(50)) == nil)
            #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(51)) == nil)
            #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(52)) == nil)
            #expect(try await limiter.hit("a", limit: limit, now: start.addingTimeInterval(53)) == 57)
        }
    }
}
