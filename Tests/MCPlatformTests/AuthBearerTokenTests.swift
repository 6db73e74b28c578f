import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The MCP endpoint of a server in `oauth` mode: which access tokens it accepts, and how it says
/// no (RFC 6750 challenges pointing at the RFC 9728 metadata). Also the rotation of signing keys.
@Suite struct AuthBearerTokenTests {
    static let metadata = "resource_metadata=\"http://localhost:8080/.well-known/oauth-protected-resource/mcp/guide\""

    /// A 401 naming the metadata and scope, with `error="invalid_token"` when a token was sent.
    static func expectUnauthorized(
        _ response: TestResponse, error: String? = "invalid_token", metadata: String = metadata,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == .unauthorized, sourceLocation: sourceLocation)
        let challenge = response.headers[.wwwAuthenticate] ?? ""
        #expect(challenge.hasPrefix("Bearer "), "\(challenge)", sourceLocation: sourceLocation)
        #expect(challenge.contains(metadata), "\(challenge)", sourceLocation: sourceLocation)
        #expect(challenge.contains("scope=\"mcp\""), "\(challenge)", sourceLocation: sourceLocation)
        if let error {
            #expect(challenge.contains("error=\"\(error)\""), "\(challenge)", sourceLocation: sourceLocation)
        } else {
            #expect(!challenge.contains("error="), "\(challenge)", sourceLocation: sourceLocation)
        }
        #expect(response.errorCode == -32001, sourceLocation: sourceLocation)
        #expect(response.headers[.mcpSessionID] == nil, sourceLocation: sourceLocation)
    }

    @Test func withoutATokenTheChallengeNamesTheMetadata() async throws {
        try await AuthHarness.run { harness in
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: nil), error: nil)
            Self.expectUnauthorized(try await harness.mcp("", token: nil, method: .get), error: nil)
            Self.expectUnauthorized(try await harness.mcp("", token: nil, session: "abc", method: .delete), error: nil)
            Self.expectUnauthorized(
                try await harness.mcp(AuthHarness.initialize, token: nil, path: "/mcp", host: "guide.localhost"), error: nil,
                metadata: "resource_metadata=\"http://guide.localhost:8080/.well-known/oauth-protected-resource/mcp\"")
            Self.expectUnauthorized(
                try await harness.mcp(AuthHarness.initialize, token: nil, path: "/mcp/other"), error: nil,
                metadata: "resource_metadata=\"http://localhost:8080/.well-known/oauth-protected-resource/mcp/other\"")

            var headers: HTTPFields = [.accept: "application/json", .contentType: "application/json", .authorization: "Basic YTpi"]
            let basic = try await harness.client.execute(
                uri: "/mcp/guide", method: .post, headers: headers, body: ByteBuffer(string: AuthHarness.initialize))
            Self.expectUnauthorized(basic, error: "invalid_request")
            headers[.authorization] = "Bearer not-a-jwt"
            let garbage = try await harness.client.execute(
                uri: "/mcp/guide", method: .post, headers: headers, body: ByteBuffer(string: AuthHarness.initialize))
            Self.expectUnauthorized(garbage)
        }
    }

    @Test(arguments: Backend.available)
    func aValidTokenOpensASession(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let initialize = try await harness.mcp(AuthHarness.initialize, token: tokens.access)
            #expect(initialize.status == .ok)
            let session = try #require(initialize.headers[.mcpSessionID])
            let list = try await harness.mcp(AuthHarness.toolsList, token: tokens.access, session: session)
            #expect(list.status == .ok)
            let tools = try #require((list.json["result"] as? [String: Any])?["tools"] as? [[String: Any]])
            #expect(tools.compactMap { $0["name"] as? String }.contains("about"))
            // Every request of the session needs the token.
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.toolsList, token: nil, session: session), error: nil)
            #expect(try await harness.mcp("", token: tokens.access, session: session, method: .delete).status == .noContent)
        }
    }

    @Test(arguments: Backend.available)
    func aTokenOfOneServerIsRefusedByAnother(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let metadata = "resource_metadata=\"http://localhost:8080/.well-known/oauth-protected-resource/mcp/other\""
            Self.expectUnauthorized(
                try await harness.mcp(AuthHarness.initialize, token: tokens.access, path: "/mcp/other"), metadata: metadata)

            // Forged combinations, properly signed: the other server's issuer and audience with
            // this server's id, or with the other server's id and this server's grant.
            let grant = try #require(await harness.platform.auth.signingKeys.verify(tokens.access)).gid
            var claims = harness.claims(harness.other, endUserID: tokens.endUserID, grantID: grant, clientID: client.id)
            claims["tid"] = harness.guide.id
            let wrongTenant = try await harness.sign(claims)
            Self.expectUnauthorized(
                try await harness.mcp(AuthHarness.initialize, token: wrongTenant, path: "/mcp/other"), metadata: metadata)
            claims["tid"] = harness.other.id
            let foreignGrant = try await harness.sign(claims)
            Self.expectUnauthorized(
                try await harness.mcp(AuthHarness.initialize, token: foreignGrant, path: "/mcp/other"), metadata: metadata)
            // A none-mode server ignores tokens altogether.
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access, path: "/mcp/open").status == .ok)
        }
    }

    @Test func theAudienceBindsTheFormTheTokenWasIssuedFor() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let grant = try #require(await harness.platform.auth.signingKeys.verify(tokens.access)).gid
            let hostToken = try await harness.sign(
                harness.claims(form: .host, endUserID: tokens.endUserID, grantID: grant, clientID: client.id))
            #expect(try await harness.mcp(AuthHarness.initialize, token: hostToken, path: "/mcp", host: "guide.localhost").status == .ok)
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: hostToken))
            let pathOnHost = try await harness.mcp(AuthHarness.initialize, token: tokens.access, path: "/mcp", host: "guide.localhost")
            Self.expectUnauthorized(
                pathOnHost, metadata: "resource_metadata=\"http://guide.localhost:8080/.well-known/oauth-protected-resource/mcp\"")

            // The issuer is checked as well as the audience.
            var claims = harness.claims(endUserID: tokens.endUserID, grantID: grant, clientID: client.id)
            claims["iss"] = "http://guide.localhost:8080"
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: try await harness.sign(claims)))
            // …and the audience as well as the issuer.
            claims["iss"] = harness.authority(harness.guide).issuer
            claims["aud"] = ["http://localhost:8080/mcp/other"]
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: try await harness.sign(claims)))
            claims["aud"] = [harness.authority(harness.guide).resource]
            #expect(try await harness.mcp(AuthHarness.initialize, token: try await harness.sign(claims)).status == .ok)
        }
    }

    @Test func expiredTamperedAndUnsignedTokensAreRefused() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let bob = try await harness.tokens(client: client, subject: "bob")
            let grant = try #require(await harness.platform.auth.signingKeys.verify(tokens.access)).gid
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .ok)

            let expired = try await harness.sign(
                harness.claims(endUserID: tokens.endUserID, grantID: grant, clientID: client.id, expires: Date().addingTimeInterval(-120)))
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: expired))

            let parts = JWTParts.segments(tokens.access)
            // Alice's token claiming to be Bob, signature unchanged.
            var payload = JWTParts.payload(of: tokens.access)
            payload["sub"] = String(bob.endUserID)
            let tamperedPayload = [parts[0], try JWTParts.encode(payload), parts[2]].joined(separator: ".")
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: tamperedPayload))
            // Lifetime extended, signature unchanged.
            payload = JWTParts.payload(of: tokens.access)
            payload["exp"] = (payload["exp"] as? Double ?? 0) + 86400
            Self.expectUnauthorized(
                try await harness.mcp(
                    AuthHarness.initialize, token: [parts[0], try JWTParts.encode(payload), parts[2]].joined(separator: ".")))

            var signature = Array(parts[2])
            signature[10] = signature[10] == "A" ? "B" : "A"
            let tamperedSignature = [parts[0], parts[1], String(signature)].joined(separator: ".")
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: tamperedSignature))
            // Bob's valid signature on Alice's claims.
            let borrowed = [parts[0], parts[1], JWTParts.segments(bob.access)[2]].joined(separator: ".")
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: borrowed))
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: parts[0] + "." + parts[1] + "."))

            var header = JWTParts.header(of: tokens.access)
            header["alg"] = "none"
            let unsigned = try JWTParts.encode(header) + "." + parts[1] + "."
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: unsigned))
            header["alg"] = "HS256"
            Self.expectUnauthorized(
                try await harness.mcp(AuthHarness.initialize, token: try JWTParts.encode(header) + "." + parts[1] + "." + parts[2]))
            // Still fine when left alone.
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .ok)
        }
    }

    @Test func aTokenWithoutTheMCPScopeIsForbidden() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let grant = try #require(await harness.platform.auth.signingKeys.verify(tokens.access)).gid
            for scope in ["", "openid profile"] {
                let token = try await harness.sign(
                    harness.claims(endUserID: tokens.endUserID, grantID: grant, clientID: client.id, scope: scope))
                let response = try await harness.mcp(AuthHarness.initialize, token: token)
                #expect(response.status == .forbidden)
                let challenge = response.headers[.wwwAuthenticate] ?? ""
                #expect(challenge.hasPrefix("Bearer "))
                #expect(challenge.contains("error=\"insufficient_scope\""))
                #expect(challenge.contains("scope=\"mcp\""))
                #expect(challenge.contains(Self.metadata))
            }
        }
    }

    @Test(arguments: Backend.available)
    func aRevokedGrantEndsItsTokensAtOnce(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let initialize = try await harness.mcp(AuthHarness.initialize, token: tokens.access)
            let session = try #require(initialize.headers[.mcpSessionID])
            let grant = try #require(await harness.platform.auth.signingKeys.verify(tokens.access)).gid
            try await harness.platform.auth.grants.revoke(grantID: grant, serverID: harness.guide.id, reason: "test")
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.ping, token: tokens.access, session: session))
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: tokens.access))
        }
    }

    @Test(arguments: Backend.available)
    func aSessionBelongsToTheUserWhoOpenedIt(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let alice = try await harness.tokens(client: client)
            let bob = try await harness.tokens(client: client, subject: "bob")
            #expect(alice.endUserID != bob.endUserID)
            let session = try #require(try await harness.mcp(AuthHarness.initialize, token: alice.access).headers[.mcpSessionID])

            let hijack = try await harness.mcp(AuthHarness.ping, token: bob.access, session: session)
            #expect(hijack.status == .notFound)
            #expect(hijack.errorCode == -32001)
            #expect(try await harness.mcp("", token: bob.access, session: session, method: .delete).status == .notFound)
            // Alice's own second sign-in (another grant) is still Alice.
            let aliceAgain = try await harness.tokens(client: client)
            #expect(try await harness.mcp(AuthHarness.ping, token: aliceAgain.access, session: session).status == .ok)
            #expect(try await harness.mcp(AuthHarness.ping, token: alice.access, session: session).status == .ok)
        }
    }

    // MARK: Signing keys

    @Test func rotationKeepsOldTokensValidAndSignsWithTheNewKey() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let before = try await harness.tokens(client: client)
            let oldKID = try #require(JWTParts.header(of: before.access)["kid"] as? String)

            let newKID = try await harness.platform.auth.signingKeys.rotate()
            #expect(newKID != oldKID)
            #expect(try await harness.mcp(AuthHarness.initialize, token: before.access).status == .ok)
            let keys = try #require(try await harness.get("/mcp/guide/oauth/jwks").json["keys"] as? [[String: Any]])
            #expect(Set(keys.compactMap { $0["kid"] as? String }) == [oldKID, newKID])

            let refreshed = try await harness.refresh(before.refresh, client: client)
            let after = try Tokens(refreshed, endUserID: before.endUserID)
            #expect(JWTParts.header(of: after.access)["kid"] as? String == newKID)
            #expect(try await harness.mcp(AuthHarness.initialize, token: after.access).status == .ok)

            // Another instance on the same database knows both keys.
            let instance = SigningKeys(database: harness.platform.database, secretKey: harness.platform.secretKey)
            #expect(await instance.verify(before.access)?.gid == (await harness.platform.auth.signingKeys.verify(before.access))?.gid)
            #expect(await instance.verify(after.access) != nil)
            // …but not under another master key.
            let stranger = SigningKeys(
                database: harness.platform.database, secretKey: try SecretKey(base64: Data(repeating: 9, count: 32).base64EncodedString()))
            #expect(await stranger.verify(after.access) == nil)
        }
    }

    @Test func aKeyRetiredLongerThanTheGraceStopsVerifying() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let oldKID = try #require(JWTParts.header(of: tokens.access)["kid"] as? String)
            // Retired two days ago, beyond the one-day grace.
            let newKID = try await harness.platform.auth.signingKeys.rotate(
                now: Date().addingTimeInterval(-2 * SigningKeys.retiredKeyGrace))
            Self.expectUnauthorized(try await harness.mcp(AuthHarness.initialize, token: tokens.access))
            let keys = try #require(try await harness.get("/mcp/guide/oauth/jwks").json["keys"] as? [[String: Any]])
            #expect(keys.compactMap { $0["kid"] as? String } == [newKID])
            #expect(newKID != oldKID)
        }
    }
}
