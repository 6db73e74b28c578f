import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// Each server's authorization server through the router: metadata, dynamic client registration,
/// the token endpoint (codes with PKCE, refresh rotation with reuse detection) and revocation.
@Suite struct AuthorizationServerTests {
    static let issuer = "http://localhost:8080/mcp/guide"

    // MARK: Metadata

    @Test func protectedResourceMetadataInThePathForm() async throws {
        try await AuthHarness.run { harness in
            let response = try await harness.get("/.well-known/oauth-protected-resource/mcp/guide")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.json["resource"] as? String == Self.issuer)
            #expect(response.json["authorization_servers"] as? [String] == [Self.issuer])
            #expect(response.json["scopes_supported"] as? [String] == ["mcp"])
            #expect(response.json["bearer_methods_supported"] as? [String] == ["header"])
            #expect(response.json["resource_name"] as? String == "Acme Docs")
        }
    }

    @Test func authorizationServerMetadataInThePathForm() async throws {
        try await AuthHarness.run { harness in
            for path in [
                "/.well-known/oauth-authorization-server/mcp/guide", "/.well-known/openid-configuration/mcp/guide",
                "/mcp/guide/.well-known/openid-configuration", "/mcp/guide/.well-known/oauth-authorization-server",
            ] {
                let response = try await harness.get(path)
                #expect(response.status == .ok, "\(path)")
                let json = response.json
                #expect(json["issuer"] as? String == Self.issuer, "\(path)")
                #expect(json["authorization_endpoint"] as? String == Self.issuer + "/oauth/authorize")
                #expect(json["token_endpoint"] as? String == Self.issuer + "/oauth/token")
                #expect(json["registration_endpoint"] as? String == Self.issuer + "/oauth/register")
                #expect(json["revocation_endpoint"] as? String == Self.issuer + "/oauth/revoke")
                #expect(json["jwks_uri"] as? String == Self.issuer + "/oauth/jwks")
                #expect(json["code_challenge_methods_supported"] as? [String] == ["S256"])
                #expect(json["response_types_supported"] as? [String] == ["code"])
                #expect(Set(json["grant_types_supported"] as? [String] ?? []) == ["authorization_code", "refresh_token"])
                #expect(json["scopes_supported"] as? [String] == ["mcp"])
                #expect(json["client_id_metadata_document_supported"] as? Bool == true)
                #expect(json["authorization_response_iss_parameter_supported"] as? Bool == true)
                let methods = Set(json["token_endpoint_auth_methods_supported"] as? [String] ?? [])
                #expect(methods == ["none", "client_secret_basic", "client_secret_post"])
            }
        }
    }

    @Test func metadataInTheHostForm() async throws {
        try await AuthHarness.run { harness in
            let origin = "http://guide.localhost:8080"
            for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
                let response = try await harness.get(path, host: "guide.localhost")
                #expect(response.status == .ok, "\(path)")
                #expect(response.json["resource"] as? String == origin + "/mcp", "\(path)")
                #expect(response.json["authorization_servers"] as? [String] == [origin], "\(path)")
            }
            for path in ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"] {
                let response = try await harness.get(path, host: "guide.localhost:8080")
                #expect(response.status == .ok, "\(path)")
                #expect(response.json["issuer"] as? String == origin, "\(path)")
                #expect(response.json["token_endpoint"] as? String == origin + "/oauth/token")
                #expect(response.json["authorization_endpoint"] as? String == origin + "/oauth/authorize")
            }
            // A path naming a tenant wins over the host.
            let byPath = try await harness.get("/.well-known/oauth-protected-resource/mcp/other", host: "guide.localhost")
            #expect(byPath.json["resource"] as? String == "http://localhost:8080/mcp/other")
        }
    }

    @Test func jwksPublishesOnlyPublicKeys() async throws {
        try await AuthHarness.run { harness in
            let response = try await harness.get("/mcp/guide/oauth/jwks")
            #expect(response.status == .ok)
            let keys = try #require(response.json["keys"] as? [[String: Any]])
            #expect(keys.count == 1)
            #expect(keys.first?["kty"] as? String == "EC")
            #expect(keys.first?["crv"] as? String == "P-256")
            #expect((keys.first?["kid"] as? String)?.isEmpty == false)
            #expect(keys.allSatisfy { $0["d"] == nil })
        }
    }

    @Test func serversWithoutSignInHaveNoAuthorizationServer() async throws {
        try await AuthHarness.run { harness in
            for path in [
                "/.well-known/oauth-protected-resource/mcp/open", "/.well-known/oauth-authorization-server/mcp/open",
                "/.well-known/openid-configuration/mcp/open", "/mcp/open/.well-known/openid-configuration", "/mcp/open/oauth/jwks",
                "/.well-known/oauth-protected-resource/mcp/nope", "/.well-known/oauth-authorization-server/mcp/nope",
            ] {
                #expect(try await harness.get(path).status == .notFound, "\(path)")
            }
            #expect(try await harness.get("/.well-known/oauth-protected-resource/mcp", host: "open.localhost").status == .notFound)
            #expect(try await harness.get("/.well-known/oauth-authorization-server", host: "open.localhost").status == .notFound)
            #expect(try await harness.get("/.well-known/oauth-authorization-server").status == .notFound)
            let registration = try await harness.register(#"{"redirect_uris":["https://app.example/cb"]}"#, slug: "open")
            #expect(registration.status == .notFound)
            let token = try await harness.postForm("/mcp/open/oauth/token", "grant_type=refresh_token&refresh_token=x&client_id=y")
            #expect(token.status == .notFound)
            // …and its MCP endpoint stays anonymous.
            let initialize = try await harness.mcp(AuthHarness.initialize, token: nil, path: "/mcp/open")
            #expect(initialize.status == .ok)
        }
    }

    // MARK: Registration

    @Test func registrationWithoutScope() async throws {
        try await AuthHarness.run { harness in
            let publicClient = try await harness.register(
                #"{"client_name":"Cursor","redirect_uris":["cursor://anysphere.cursor-retrieval/oauth/callback"],"#
                    + #""token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"#
                    + #""response_types":["code"]}"#
            )
            #expect(publicClient.status == .created)
            #expect(publicClient.headers[.cacheControl] == "no-store")
            #expect((publicClient.json["client_id"] as? String)?.isEmpty == false)
            #expect(publicClient.json["token_endpoint_auth_method"] as? String == "none")
            #expect(publicClient.json["client_secret"] == nil)
            #expect(publicClient.json["client_name"] as? String == "Cursor")
            #expect(publicClient.json["redirect_uris"] as? [String] == ["cursor://anysphere.cursor-retrieval/oauth/callback"])
            #expect(publicClient.json["scope"] == nil)

            // RFC 7591's default method: a confidential client, given a secret.
            let confidential = try await harness.register(#"{"redirect_uris":["https://app.example/cb"]}"#)
            #expect(confidential.status == .created)
            #expect(confidential.json["token_endpoint_auth_method"] as? String == "client_secret_basic")
            #expect((confidential.json["client_secret"] as? String)?.count ?? 0 >= 32)
            #expect(confidential.json["client_secret_expires_at"] as? Int == 0)
            #expect(confidential.json["client_id"] as? String != publicClient.json["client_id"] as? String)

            let post = try await harness.register(
                #"{"redirect_uris":["http://localhost:7777/cb"],"token_endpoint_auth_method":"client_secret_post","scope":"mcp"}"#)
            #expect(post.status == .created)
            #expect(post.json["token_endpoint_auth_method"] as? String == "client_secret_post")
            #expect(post.json["client_secret"] is String)
            #expect(post.json["scope"] as? String == "mcp")
        }
    }

    @Test func registrationRefusesBadRedirectURIs() async throws {
        try await AuthHarness.run { harness in
            let eleven = (0...10).map { "\"https://app.example/cb\($0)\"" }.joined(separator: ",")
            let cases = [
                #"{"redirect_uris":["javascript:alert(1)"]}"#,
                #"{"redirect_uris":["http://evil.example/cb"]}"#,
                #"{"redirect_uris":["https://app.example/cb#fragment"]}"#,
                #"{"redirect_uris":["https://app.example/cb","data:text/html,hi"]}"#,
                #"{"redirect_uris":["/relative/cb"]}"#,
                #"{"redirect_uris":[]}"#,
                #"{"redirect_uris":[42]}"#,
                #"{"client_name":"no uris"}"#,
                "{\"redirect_uris\":[\(eleven)]}",
            ]
            for json in cases {
                let response = try await harness.register(json)
                #expect(response.status == .badRequest, "\(json)")
                #expect(response.oauthError == "invalid_redirect_uri", "\(json)")
                #expect(response.json["error_description"] is String)
            }
            let ten = (0...9).map { "\"https://app.example/cb\($0)\"" }.joined(separator: ",")
            #expect(try await harness.register("{\"redirect_uris\":[\(ten)]}").status == .created)
        }
    }

    @Test func registrationRefusesOtherBadMetadata() async throws {
        try await AuthHarness.run { harness in
            let notJSON = try await harness.register("redirect_uris=https://app.example/cb")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.oauthError == "invalid_client_metadata")
            let wrongType = try await harness.register(
                #"{"redirect_uris":["https://app.example/cb"]}"#, contentType: "application/x-www-form-urlencoded")
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.oauthError == "invalid_client_metadata")
            #expect(try await harness.register("[]").status == .badRequest)
            let cases = [
                #"{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}"#,
                #"{"redirect_uris":["https://app.example/cb"],"grant_types":["client_credentials"]}"#,
                #"{"redirect_uris":["https://app.example/cb"],"response_types":["token"]}"#,
                "{\"redirect_uris\":[\"https://app.example/cb\"],\"client_name\":\"\(String(repeating: "n", count: 201))\"}",
            ]
            for json in cases {
                let response = try await harness.register(json)
                #expect(response.status == .badRequest, "\(json)")
                #expect(response.oauthError == "invalid_client_metadata", "\(json)")
            }
        }
    }

    /// Sends `limit.requests` requests that must pass, then one that must be refused with 429.
    /// The windows are fixed (whole minutes): a burst is not started in a window's last seconds,
    /// and a burst that outlasts its window (a loaded machine) is sent again from the start of the
    /// next one, where no earlier request counts.
    static func expectRateLimited(
        _ limit: RateLimiter.Limit, sourceLocation: SourceLocation = #_sourceLocation, _ send: () async throws -> TestResponse
    ) async throws {
        for attempt in 1...3 {
            // The first burst waits out a window's last 3 s; a later one starts with the next window.
            try await limit.waitForRoom(attempt == 1 ? 3 : .infinity)
            let start = Int(Date().timeIntervalSince1970) / limit.window
            var passed: [Bool] = []
            for _ in 0..<limit.requests { passed.append(try await send().status != .tooManyRequests) }
            let response = try await send()
            guard Int(Date().timeIntervalSince1970) / limit.window == start else { continue }
            #expect(passed.allSatisfy { $0 }, "every request within the limit passes: \(passed)", sourceLocation: sourceLocation)
            #expect(response.status == .tooManyRequests, sourceLocation: sourceLocation)
            let retryAfter = try #require(response.headers[.retryAfter].flatMap(Int.init), sourceLocation: sourceLocation)
            #expect((1...limit.window).contains(retryAfter), sourceLocation: sourceLocation)
            #expect(response.oauthError == "temporarily_unavailable", sourceLocation: sourceLocation)
            return
        }
        Issue.record("three bursts in a row outlasted their window", sourceLocation: sourceLocation)
    }

    @Test func registrationIsRateLimitedPerAddressAndServer() async throws {
        try await AuthHarness.run { harness in
            let json = #"{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}"#
            #expect(AuthorizationServerRoutes.registrationLimit.requests == 20)
            try await Self.expectRateLimited(AuthorizationServerRoutes.registrationLimit) {
                let response = try await harness.register(json)
                #expect(response.status == .created || response.status == .tooManyRequests)
                return response
            }
            // The counter is per server.
            #expect(try await harness.register(json, slug: "other").status == .created)
        }
    }

    @Test func tokenEndpointIsRateLimited() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            try await Self.expectRateLimited(AuthorizationServerRoutes.tokenLimit) {
                try await harness.refresh("unknown", client: client)
            }
            // Revocation shares the budget.
            #expect(try await harness.revoke("unknown", client: client).status == .tooManyRequests)
            #expect(try await harness.refresh("unknown", client: client, slug: "other").status == .unauthorized)
        }
    }

    // MARK: Token endpoint

    @Test(arguments: Backend.available)
    func codeExchange(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()
            let signIn = try await harness.signIn(client: client, verifier: verifier)
            let response = try await harness.exchange(signIn.code, client: client, verifier: verifier)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.json["token_type"] as? String == "Bearer")
            #expect(response.json["expires_in"] as? Int == 900)
            #expect(response.json["scope"] as? String == "mcp")
            let refresh = try #require(response.json["refresh_token"] as? String)
            #expect(refresh.count >= 43)
            let access = try #require(response.json["access_token"] as? String)

            let header = JWTParts.header(of: access)
            #expect(header["alg"] as? String == "ES256")
            let kid = try #require(header["kid"] as? String)
            let keys = try #require(try await harness.get("/mcp/guide/oauth/jwks").json["keys"] as? [[String: Any]])
            #expect(keys.compactMap { $0["kid"] as? String }.contains(kid))
            let claims = JWTParts.payload(of: access)
            #expect(claims["iss"] as? String == Self.issuer)
            #expect((claims["aud"] as? String ?? (claims["aud"] as? [String])?.first) == Self.issuer)
            #expect(claims["sub"] as? String == String(signIn.endUserID))
            #expect(claims["client_id"] as? String == client.id)
            #expect(claims["scope"] as? String == "mcp")
            let lifetime = try #require(claims["exp"] as? Double) - (try #require(claims["iat"] as? Double))
            #expect(abs(lifetime - 900) < 2)

            let mcp = try await harness.mcp(AuthHarness.initialize, token: access)
            #expect(mcp.status == .ok)
        }
    }

    @Test func pkceIsRequiredAndChecked() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()

            let missing = try await harness.signIn(client: client, verifier: verifier)
            let noVerifier = try await harness.token(
                ["grant_type": "authorization_code", "code": missing.code, "client_id": client.id, "redirect_uri": AuthHarness.redirectURI])
            #expect(noVerifier.status == .badRequest)
            #expect(noVerifier.oauthError == "invalid_request")
            #expect(noVerifier.headers[.cacheControl] == "no-store")
            // The code was not spent by a malformed request.
            #expect(try await harness.exchange(missing.code, client: client, verifier: verifier).status == .ok)

            let wrong = try await harness.signIn(client: client, verifier: verifier)
            let response = try await harness.exchange(wrong.code, client: client, verifier: RandomToken.make())
            #expect(response.status == .badRequest)
            #expect(response.oauthError == "invalid_grant")
            // A verifier of the wrong shape (even the challenge itself) is refused the same way.
            let shaped = try await harness.signIn(client: client, verifier: verifier)
            let challenge = try await harness.exchange(shaped.code, client: client, verifier: PKCE.challenge(for: verifier) + "!")
            #expect(challenge.oauthError == "invalid_grant")
        }
    }

    @Test func expiredCodesAndRefreshTokensAreRefused() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()
            let authority = harness.authority(harness.guide)
            let (pending, _) = try await harness.platform.auth.pending.create(
                AuthorizationParameters(
                    clientID: client.id, redirectURI: AuthHarness.redirectURI, redirectURIGiven: true, state: nil,
                    codeChallenge: PKCE.challenge(for: verifier), resource: authority.resource, scope: "mcp"),
                serverID: harness.guide.id, issuer: authority.issuer)
            let user = try await harness.platform.auth.endUsers.upsert(
                UpstreamIdentity(subject: "alice", email: nil, name: nil), serverID: harness.guide.id)
            let code = try await harness.platform.auth.grants.createGrant(
                for: pending, endUserID: user.id, upstreamRefreshToken: nil, now: Date().addingTimeInterval(-GrantStore.codeLifetime - 5))
            let expired = try await harness.exchange(code, client: client, verifier: verifier)
            #expect(expired.status == .badRequest)
            #expect(expired.oauthError == "invalid_grant")

            let tokens = try await harness.tokens(client: client)
            let grant = try #require(await harness.platform.auth.signingKeys.verify(tokens.access)).gid
            let old = try await harness.platform.auth.grants.issueRefreshToken(
                grantID: grant, now: Date().addingTimeInterval(-GrantStore.refreshTokenLifetime - 5))
            #expect(try await harness.refresh(old, client: client).oauthError == "invalid_grant")
            // An expired refresh token is not a reused one: the grant lives on.
            #expect(try await harness.refresh(tokens.refresh, client: client).status == .ok)
        }
    }

    @Test func aRequestThatNamedNoRedirectURINeedsNoneAtTheTokenEndpoint() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()
            let signIn = try await harness.signIn(client: client, verifier: verifier, redirectURIGiven: false)
            let response = try await harness.token(
                ["grant_type": "authorization_code", "code": signIn.code, "client_id": client.id, "code_verifier": verifier])
            #expect(response.status == .ok)
            // Naming one anyway must name the right one.
            let again = try await harness.signIn(client: client, verifier: verifier, redirectURIGiven: false)
            let wrong = try await harness.exchange(
                again.code, client: client, verifier: verifier, redirectURI: "http://127.0.0.1:3000/other")
            #expect(wrong.oauthError == "invalid_grant")
        }
    }

    @Test(arguments: Backend.available)
    func aReusedCodeRevokesWhatItIssued(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()
            let signIn = try await harness.signIn(client: client, verifier: verifier)
            let first = try await harness.exchange(signIn.code, client: client, verifier: verifier)
            #expect(first.status == .ok)
            let tokens = try Tokens(first, endUserID: signIn.endUserID)
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .ok)

            let second = try await harness.exchange(signIn.code, client: client, verifier: verifier)
            #expect(second.status == .badRequest)
            #expect(second.oauthError == "invalid_grant")
            let rejected = try await harness.mcp(AuthHarness.initialize, token: tokens.access)
            #expect(rejected.status == .unauthorized)
            #expect(rejected.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            #expect(try await harness.refresh(tokens.refresh, client: client).oauthError == "invalid_grant")
        }
    }

    @Test func codeBoundToRedirectURIClientAndResource() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient(redirectURIs: [AuthHarness.redirectURI, "https://app.example/cb"])
            let thief = try await harness.registerClient(name: "Thief")
            let verifier = RandomToken.make()

            let redirect = try await harness.signIn(client: client, verifier: verifier)
            let mismatched = try await harness.exchange(
                redirect.code, client: client, verifier: verifier, redirectURI: "https://app.example/cb")
            #expect(mismatched.status == .badRequest)
            #expect(mismatched.oauthError == "invalid_grant")

            let omitted = try await harness.signIn(client: client, verifier: verifier)
            let noRedirect = try await harness.token(
                ["grant_type": "authorization_code", "code": omitted.code, "client_id": client.id, "code_verifier": verifier])
            #expect(noRedirect.oauthError == "invalid_grant")

            let stolen = try await harness.signIn(client: client, verifier: verifier)
            let byThief = try await harness.exchange(stolen.code, client: thief, verifier: verifier, redirectURI: AuthHarness.redirectURI)
            #expect(byThief.status == .badRequest)
            #expect(byThief.oauthError == "invalid_grant")

            let resource = try await harness.signIn(client: client, verifier: verifier)
            var parameters = [
                "grant_type": "authorization_code", "code": resource.code, "client_id": client.id, "code_verifier": verifier,
                "redirect_uri": AuthHarness.redirectURI, "resource": "http://localhost:8080/mcp/other",
            ]
            let wrongResource = try await harness.token(parameters)
            #expect(wrongResource.status == .badRequest)
            #expect(wrongResource.oauthError == "invalid_target")

            let right = try await harness.signIn(client: client, verifier: verifier)
            parameters["code"] = right.code
            parameters["resource"] = Self.issuer
            #expect(try await harness.token(parameters).status == .ok)

            // A code is only known to the server that issued it.
            let elsewhere = try await harness.signIn(client: client, verifier: verifier)
            let otherClient = try await harness.registerClient(slug: "other")
            let atOther = try await harness.exchange(elsewhere.code, client: otherClient, verifier: verifier, slug: "other")
            #expect(atOther.oauthError == "invalid_grant")
            #expect(try await harness.exchange(elsewhere.code, client: client, verifier: verifier).status == .ok)
        }
    }

    @Test func malformedTokenRequests() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let unsupported = try await harness.token(["grant_type": "password", "username": "a", "password": "b", "client_id": client.id])
            #expect(unsupported.status == .badRequest)
            #expect(unsupported.oauthError == "unsupported_grant_type")
            #expect(
                try await harness.token(["grant_type": "client_credentials", "client_id": client.id]).oauthError == "unsupported_grant_type"
            )
            #expect(try await harness.token(["client_id": client.id]).oauthError == "invalid_request")

            let json = try await harness.postForm(
                "/mcp/guide/oauth/token", #"{"grant_type":"authorization_code","client_id":"\#(client.id)"}"#,
                contentType: "application/json")
            #expect(json.status == .badRequest)
            #expect(json.oauthError == "invalid_request")
            let noType = try await harness.postForm("/mcp/guide/oauth/token", "grant_type=refresh_token", contentType: nil)
            #expect(noType.oauthError == "invalid_request")

            let verifier = RandomToken.make()
            let signIn = try await harness.signIn(client: client, verifier: verifier)
            let base = FormEncoding.encode([
                "grant_type": "authorization_code", "code": signIn.code, "client_id": client.id, "code_verifier": verifier,
                "redirect_uri": AuthHarness.redirectURI,
            ])
            for duplicate in ["code=other", "code_verifier=\(verifier)", "client_id=\(client.id)"] {
                let response = try await harness.postForm("/mcp/guide/oauth/token", base + "&" + duplicate)
                #expect(response.status == .badRequest, "\(duplicate)")
                #expect(response.oauthError == "invalid_request", "\(duplicate)")
            }
            // The duplicates spent nothing: the code still works.
            #expect(try await harness.postForm("/mcp/guide/oauth/token", base).status == .ok)

            let unknown = try await harness.token(["grant_type": "refresh_token", "refresh_token": "x", "client_id": "no-such-client"])
            #expect(unknown.status == .unauthorized)
            #expect(unknown.oauthError == "invalid_client")
            #expect(try await harness.token(["grant_type": "refresh_token", "refresh_token": "x"]).oauthError == "invalid_client")
        }
    }

    @Test(arguments: Backend.available)
    func confidentialClientsAuthenticate(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient(authMethod: nil)
            let secret = try #require(client.secret)
            let verifier = RandomToken.make()
            func parameters(_ code: String) -> [String: String] {
                ["grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": AuthHarness.redirectURI]
            }

            let signIn = try await harness.signIn(client: client, verifier: verifier)
            for (id, wrong) in [(client.id, "wrong-secret"), (client.id, ""), (client.id, secret + "x")] {
                let response = try await harness.token(parameters(signIn.code), basic: (id, wrong))
                #expect(response.status == .unauthorized)
                #expect(response.oauthError == "invalid_client")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            }
            var noSecret = parameters(signIn.code)
            noSecret["client_id"] = client.id
            #expect(try await harness.token(noSecret).status == .unauthorized)
            var wrongPost = noSecret
            wrongPost["client_secret"] = "wrong-secret"
            #expect(try await harness.token(wrongPost).oauthError == "invalid_client")
            let malformed = try await harness.postForm(
                "/mcp/guide/oauth/token", FormEncoding.encode(parameters(signIn.code)), headers: [.authorization: "Basic !!!"])
            #expect(malformed.oauthError == "invalid_client")
            var conflicting = parameters(signIn.code)
            conflicting["client_id"] = "someone-else"
            #expect(try await harness.token(conflicting, basic: (client.id, secret)).oauthError == "invalid_request")

            // None of that spent the code.
            let basic = try await harness.token(parameters(signIn.code), basic: (client.id, secret))
            #expect(basic.status == .ok)
            #expect(basic.json["access_token"] is String)

            let again = try await harness.signIn(client: client, verifier: verifier)
            var post = parameters(again.code)
            post["client_id"] = client.id
            post["client_secret"] = secret
            let viaPost = try await harness.token(post)
            #expect(viaPost.status == .ok)

            // Refresh and revocation authenticate the same way.
            let refresh = try #require(viaPost.json["refresh_token"] as? String)
            let anonymous = try await harness.refresh(refresh, client: client)
            #expect(anonymous.status == .unauthorized)
            let refreshed = try await harness.token(["grant_type": "refresh_token", "refresh_token": refresh], basic: (client.id, secret))
            #expect(refreshed.status == .ok)
        }
    }

    // MARK: Refresh

    @Test(arguments: Backend.available)
    func refreshRotatesAndReuseRevokesTheFamily(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)

            let rotated = try await harness.refresh(tokens.refresh, client: client)
            #expect(rotated.status == .ok)
            #expect(rotated.headers[.cacheControl] == "no-store")
            #expect(rotated.json["token_type"] as? String == "Bearer")
            #expect(rotated.json["scope"] as? String == "mcp")
            let next = try Tokens(rotated, endUserID: tokens.endUserID)
            #expect(next.refresh != tokens.refresh)
            #expect(next.access != tokens.access)
            #expect(try await harness.mcp(AuthHarness.initialize, token: next.access).status == .ok)

            // The first token again while its successor is unused: a retry whose answer was lost
            // (a crash, a dropped connection) gets the same successor, never a second one.
            let retried = try await harness.refresh(tokens.refresh, client: client)
            #expect(retried.status == .ok)
            #expect(try Tokens(retried, endUserID: tokens.endUserID).refresh == next.refresh)
            let third = try Tokens(try await harness.refresh(next.refresh, client: client), endUserID: tokens.endUserID)

            // Once the successor was used, the first token again is a replay: the grant is revoked.
            let replayed = try await harness.refresh(tokens.refresh, client: client)
            #expect(replayed.status == .badRequest)
            #expect(replayed.oauthError == "invalid_grant")
            let dead = try await harness.refresh(third.refresh, client: client)
            #expect(dead.status == .badRequest)
            #expect(dead.oauthError == "invalid_grant")
            #expect(try await harness.mcp(AuthHarness.initialize, token: third.access).status == .unauthorized)
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .unauthorized)
        }
    }

    @Test func refreshIsBoundToItsClientScopeAndResource() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let thief = try await harness.registerClient(name: "Thief")
            let tokens = try await harness.tokens(client: client)

            let stolen = try await harness.refresh(tokens.refresh, client: thief)
            #expect(stolen.status == .badRequest)
            #expect(stolen.oauthError == "invalid_grant")
            #expect(try await harness.refresh(tokens.refresh, client: client, slug: "other").status == .unauthorized)

            let wider = try await harness.token(
                ["grant_type": "refresh_token", "refresh_token": tokens.refresh, "client_id": client.id, "scope": "mcp admin"])
            #expect(wider.oauthError == "invalid_scope")
            let resource = try await harness.token(
                [
                    "grant_type": "refresh_token", "refresh_token": tokens.refresh, "client_id": client.id,
                    "resource": "http://localhost:8080/mcp/other",
                ])
            #expect(resource.oauthError == "invalid_target")
            #expect(try await harness.refresh("not-a-refresh-token", client: client).oauthError == "invalid_grant")
            #expect(try await harness.refresh(tokens.access, client: client).oauthError == "invalid_grant")
            let missing = try await harness.token(["grant_type": "refresh_token", "client_id": client.id])
            #expect(missing.oauthError == "invalid_request")

            let same = try await harness.token(
                [
                    "grant_type": "refresh_token", "refresh_token": tokens.refresh, "client_id": client.id, "scope": "mcp",
                    "resource": Self.issuer,
                ])
            #expect(same.status == .ok)
        }
    }

    // MARK: Revocation

    @Test(arguments: Backend.available)
    func revokingARefreshTokenEndsTheGrant(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .ok)

            let revoked = try await harness.revoke(tokens.refresh, client: client)
            #expect(revoked.status == .ok)
            #expect(revoked.headers[.cacheControl] == "no-store")
            let rejected = try await harness.mcp(AuthHarness.initialize, token: tokens.access)
            #expect(rejected.status == .unauthorized)
            #expect(rejected.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            #expect(try await harness.refresh(tokens.refresh, client: client).oauthError == "invalid_grant")
            // Revoking again is answered the same way.
            #expect(try await harness.revoke(tokens.refresh, client: client).status == .ok)
        }
    }

    @Test(arguments: Backend.available)
    func revokingAnAccessTokenEndsTheGrant(backend: Backend) async throws {
        try await AuthHarness.run(backend) { harness in
            let client = try await harness.registerClient()
            let tokens = try await harness.tokens(client: client)
            let bystander = try await harness.tokens(client: client, subject: "bob")

            #expect(try await harness.revoke(tokens.access, client: client).status == .ok)
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .unauthorized)
            #expect(try await harness.refresh(tokens.refresh, client: client).oauthError == "invalid_grant")
            // Another sign-in is untouched.
            #expect(try await harness.mcp(AuthHarness.initialize, token: bystander.access).status == .ok)
        }
    }

    @Test func revocationOfUnknownAndForeignTokens() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            for token in ["unknown-token", "a.b.c", String(repeating: "x", count: 300)] {
                let response = try await harness.revoke(token, client: client)
                #expect(response.status == .ok, "\(token.prefix(20))")
            }
            let missing = try await harness.postForm("/mcp/guide/oauth/revoke", "client_id=\(client.id)")
            #expect(missing.oauthError == "invalid_request")
            #expect(try await harness.postForm("/mcp/guide/oauth/revoke", "token=abc").oauthError == "invalid_client")

            // Another client cannot revoke this client's tokens.
            let tokens = try await harness.tokens(client: client)
            let intruder = try await harness.registerClient(name: "Intruder")
            let refused = try await harness.revoke(tokens.refresh, client: intruder)
            #expect(refused.status == .badRequest)
            #expect(refused.oauthError == "unauthorized_client")
            // Nor can the same token be revoked through another server.
            let otherClient = try await harness.registerClient(slug: "other")
            #expect(try await harness.revoke(tokens.access, client: otherClient, slug: "other").status == .ok)
            #expect(try await harness.mcp(AuthHarness.initialize, token: tokens.access).status == .ok)
        }
    }
}
