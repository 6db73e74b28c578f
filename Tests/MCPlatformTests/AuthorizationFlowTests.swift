import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The browser side of sign-in through the router: the authorization request and its consent
/// page, the end user's decision, and the identity provider's callback.
@Suite struct AuthorizationFlowTests {
    static let issuer = "http://localhost:8080/mcp/guide"

    /// An error page: HTML, and never a redirect.
    static func expectPage(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "\(response.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(response.headers[.location] == nil, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, sourceLocation: sourceLocation)
        #expect(response.headers[.setCookie] == nil, sourceLocation: sourceLocation)
    }

    /// An `error=` redirect to the client, with its state and our issuer.
    static func expectErrorRedirect(
        _ response: TestResponse, _ error: String, to redirectURI: String = AuthHarness.redirectURI,
        status: HTTPResponse.Status = .found, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(response.headers[.location]?.hasPrefix(redirectURI + "?") == true, sourceLocation: sourceLocation)
        let query = response.locationQuery
        #expect(query["error"] == error, sourceLocation: sourceLocation)
        #expect(query["state"] == "client-state", sourceLocation: sourceLocation)
        #expect(query["iss"] == issuer, sourceLocation: sourceLocation)
        #expect(query["code"] == nil, sourceLocation: sourceLocation)
    }

    // MARK: GET /oauth/authorize

    @Test func consentPageForALoopbackClientOnAnotherPort() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient(name: "<script>alert(1)</script>")
            let verifier = RandomToken.make()
            let presented = "http://127.0.0.1:54321/callback"
            let page = try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier, ["redirect_uri": presented]))
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.xFrameOptions] == "DENY")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[.cacheControl] == "no-store")
            let html = page.text
            #expect(!html.contains("<script>alert(1)</script>"))
            #expect(!html.contains("<script"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(html.contains("Acme Docs"))
            #expect(html.contains("<code>127.0.0.1</code>"))
            #expect(html.contains(#"name="decision" value="allow""#))
            #expect(html.contains(#"name="decision" value="deny""#))
            #expect(html.contains(#"<form method="post" action="/mcp/guide/oauth/authorize""#))

            let cookie = try #require(page.headers[.setCookie])
            #expect(cookie.hasPrefix("mcp_oauth_csrf="))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/mcp/guide/oauth"))
            #expect(!cookie.contains("Secure"))
            let csrf = try #require(html.hiddenInput("csrf_token"))
            #expect(cookie.hasPrefix("mcp_oauth_csrf=\(csrf);"))
            #expect(html.hiddenInput("request")?.isEmpty == false)

            // The exact registered URI, or none at all when only one is registered, works too.
            let exact = try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier))
            #expect(exact.status == .ok)
            let omitted = try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier, ["redirect_uri": nil]))
            #expect(omitted.status == .ok)
            // Scopes that grant nothing more are accepted.
            let openid = try await harness.authorize(
                harness.authorizeQuery(client: client, verifier: verifier, ["scope": "openid offline_access mcp"]))
            #expect(openid.status == .ok)
            // The answer goes to the port the client presented.
            let consent = try await harness.consent(client: client, verifier: verifier, ["redirect_uri": presented])
            Self.expectErrorRedirect(try await harness.decide(consent, decision: "deny"), "access_denied", to: presented, status: .seeOther)
        }
    }

    @Test func unknownClientsAndRedirectURIsGetAPageNotARedirect() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient(redirectURIs: [AuthHarness.redirectURI, "https://app.example/cb"])
            let verifier = RandomToken.make()

            Self.expectPage(
                try await harness.authorize(
                    harness.authorizeQuery(
                        client: RegisteredClient(id: "nope", secret: nil, redirectURIs: [AuthHarness.redirectURI]), verifier: verifier)),
                .badRequest)
            Self.expectPage(
                try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier, ["client_id": nil])), .badRequest)
            for redirect in [
                "https://evil.example/cb", "https://app.example/cb/../evil", "https://app.example/cb?next=evil",
                "http://127.0.0.1:3000/other",
                "http://localhost:3000/callback", "https://127.0.0.1:3000/callback",
            ] {
                let response = try await harness.authorize(
                    harness.authorizeQuery(client: client, verifier: verifier, ["redirect_uri": redirect]))
                Self.expectPage(response, .badRequest)
                #expect(!response.text.contains("evil.example"), "\(redirect)")
            }
            // Two registered URIs: the request must name one.
            Self.expectPage(
                try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier, ["redirect_uri": nil])), .badRequest)
            // Even a client of another server is unknown here.
            let foreign = try await harness.registerClient(slug: "other")
            Self.expectPage(try await harness.authorize(harness.authorizeQuery(client: foreign, verifier: verifier)), .badRequest)
            // A client_id URL that cannot be a metadata document is refused before anything is fetched.
            let document = RegisteredClient(id: "https://client.example", secret: nil, redirectURIs: ["https://client.example/cb"])
            Self.expectPage(try await harness.authorize(harness.authorizeQuery(client: document, verifier: verifier)), .badRequest)
        }
    }

    @Test func problemsAfterTheRedirectIsKnownGoBackToTheClient() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()
            func authorize(_ overrides: [String: String?]) async throws -> TestResponse {
                try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier, overrides))
            }
            Self.expectErrorRedirect(try await authorize(["code_challenge": nil]), "invalid_request")
            Self.expectErrorRedirect(try await authorize(["code_challenge_method": "plain"]), "invalid_request")
            Self.expectErrorRedirect(try await authorize(["code_challenge_method": nil]), "invalid_request")
            Self.expectErrorRedirect(try await authorize(["code_challenge": "too-short"]), "invalid_request")
            Self.expectErrorRedirect(try await authorize(["resource": "http://localhost:8080/mcp/other"]), "invalid_target")
            Self.expectErrorRedirect(try await authorize(["scope": "mcp admin"]), "invalid_scope")
            Self.expectErrorRedirect(try await authorize(["response_type": "token"]), "unsupported_response_type")
            Self.expectErrorRedirect(try await authorize(["response_type": nil]), "unsupported_response_type")

            // Loopback redirects keep the port the client presented.
            let presented = "http://127.0.0.1:61000/callback"
            let loopback = try await authorize(["redirect_uri": presented, "code_challenge": nil])
            Self.expectErrorRedirect(loopback, "invalid_request", to: presented)
            // Without state, none is invented.
            let stateless = try await authorize(["state": nil, "scope": "admin"])
            #expect(stateless.status == .found)
            #expect(stateless.locationQuery["error"] == "invalid_scope")
            #expect(stateless.locationQuery["state"] == nil)
        }
    }

    @Test func oversizedAndRepeatedParametersGetAPage() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let verifier = RandomToken.make()
            let long = try await harness.authorize(
                harness.authorizeQuery(client: client, verifier: verifier, ["state": String(repeating: "s", count: 3000)]))
            Self.expectPage(long, .badRequest)
            let huge = try await harness.authorize(
                harness.authorizeQuery(client: client, verifier: verifier) + "&pad=" + String(repeating: "p", count: 9000))
            Self.expectPage(huge, .badRequest)
            for duplicate in ["state=again", "redirect_uri=https%3A%2F%2Fevil.example%2Fcb", "client_id=\(client.id)"] {
                let response = try await harness.authorize(harness.authorizeQuery(client: client, verifier: verifier) + "&" + duplicate)
                Self.expectPage(response, .badRequest)
            }
        }
    }

    @Test func serversWithoutProviderOrSignIn() async throws {
        try await AuthHarness.run { harness in
            let verifier = RandomToken.make()
            let bareClient = try await harness.registerClient(slug: "bare")
            let bare = try await harness.authorize(
                harness.authorizeQuery(client: bareClient, verifier: verifier, slug: "bare"), slug: "bare")
            Self.expectPage(bare, .serviceUnavailable)
            let open = try await harness.get("/mcp/open/oauth/authorize?client_id=x")
            Self.expectPage(open, .notFound)
            Self.expectPage(try await harness.get("/mcp/nope/oauth/authorize?client_id=x"), .notFound)
        }
    }

    // MARK: POST /oauth/authorize

    @Test func consentFormNeedsItsCookieAndToken() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let consent = try await harness.consent(client: client, verifier: RandomToken.make())
            let other = try await harness.consent(client: client, verifier: RandomToken.make())

            #expect(try await harness.decide(consent, decision: "allow", cookie: .missing).status == .forbidden)
            #expect(try await harness.decide(consent, decision: "allow", csrfToken: RandomToken.make()).status == .forbidden)
            // A token and cookie that match each other, but belong to another request.
            let swapped = try await harness.decide(consent, decision: "allow", csrfToken: other.csrfToken, cookie: .value(other.csrfToken))
            #expect(swapped.status == .forbidden)
            #expect(try await harness.decide(consent, decision: "allow", cookie: .value(RandomToken.make())).status == .forbidden)
            let deny = try await harness.decide(consent, decision: "deny", cookie: .missing)
            #expect(deny.status == .forbidden)
            #expect(deny.headers[.location] == nil)
            // Unknown request ids are an expired sign-in.
            let unknown = Consent(requestID: "nope", csrfToken: consent.csrfToken, cookie: consent.cookie, setCookie: "", html: "")
            Self.expectPage(try await harness.decide(unknown, decision: "allow"), .badRequest)
            // The request is still usable after the refusals.
            #expect(try await harness.decide(consent, decision: "allow").status == .seeOther)
        }
    }

    @Test func anExpiredConsentIsRefused() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let authority = harness.authority(harness.guide)
            let (pending, csrf) = try await harness.platform.auth.pending.create(
                AuthorizationParameters(
                    clientID: client.id, redirectURI: AuthHarness.redirectURI, redirectURIGiven: true, state: "client-state",
                    codeChallenge: PKCE.challenge(for: RandomToken.make()), resource: authority.resource, scope: "mcp"),
                serverID: harness.guide.id, issuer: authority.issuer,
                now: Date().addingTimeInterval(-PendingAuthorizationStore.lifetime - 5))
            let consent = Consent(requestID: pending.id, csrfToken: csrf, cookie: csrf, setCookie: "", html: "")
            Self.expectPage(try await harness.decide(consent, decision: "allow"), .badRequest)
            Self.expectPage(try await harness.decide(consent, decision: "deny"), .badRequest)
            // A request of another server is unknown here.
            let other = try await harness.consent(
                client: try await harness.registerClient(slug: "other"), verifier: RandomToken.make(), slug: "other")
            Self.expectPage(try await harness.decide(other, decision: "allow"), .badRequest)
        }
    }

    @Test func denyingReturnsToTheClient() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let consent = try await harness.consent(client: client, verifier: RandomToken.make())
            let denied = try await harness.decide(consent, decision: "deny")
            Self.expectErrorRedirect(denied, "access_denied", status: .seeOther)
            #expect(denied.headers[.setCookie]?.contains("Max-Age=0") == true)
            Self.expectPage(try await harness.decide(consent, decision: "deny"), .badRequest)
            Self.expectPage(try await harness.decide(consent, decision: "allow"), .badRequest)
        }
    }

    @Test func allowingSendsTheUserToTheIdentityProvider() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let consent = try await harness.consent(client: client, verifier: RandomToken.make())
            let allowed = try await harness.decide(consent, decision: "allow")
            #expect(allowed.status == .seeOther)
            #expect(allowed.headers[.cacheControl] == "no-store")
            #expect(allowed.headers[.setCookie]?.contains("Max-Age=0") == true)
            let location = try #require(allowed.headers[.location].flatMap(URLComponents.init(string:)))
            #expect(location.scheme == "https")
            #expect(location.host == "idp.example")
            #expect(location.path == "/authorize")
            let query = allowed.locationQuery
            #expect(query["response_type"] == "code")
            #expect(query["client_id"] == "mcplatform-guide")
            #expect(query["redirect_uri"] == "http://localhost:8080/oauth/callback")
            #expect(query["scope"] == "openid email profile")
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["code_challenge"].map(PKCE.isValidChallenge) == true)
            let state = try #require(query["state"])
            #expect(state.count >= 43)
            #expect(state != "client-state")
            #expect((query["nonce"]?.count ?? 0) >= 43)

            // The same form again is an expired sign-in.
            Self.expectPage(try await harness.decide(consent, decision: "allow"), .badRequest)
        }
    }

    @Test func plainOAuthProvidersGetNoNonce() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient(slug: "other")
            let consent = try await harness.consent(client: client, verifier: RandomToken.make(), slug: "other")
            let allowed = try await harness.decide(consent, decision: "allow", slug: "other")
            #expect(allowed.status == .seeOther)
            let location = try #require(allowed.headers[.location].flatMap(URLComponents.init(string:)))
            #expect(location.host == "login.other.example")
            let query = allowed.locationQuery
            #expect(query["prompt"] == "consent")
            #expect(query["client_id"] == "mcplatform-other")
            #expect(query["scope"] == "read:user")
            #expect(query["state"] != nil)
            #expect(query["nonce"] == nil)
        }
    }

    @Test func theClientsStateComesBackExactly() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let state = "a+b&c=d %2F/ü?#"
            let consent = try await harness.consent(client: client, verifier: RandomToken.make(), ["state": state])
            let denied = try await harness.decide(consent, decision: "deny")
            #expect(denied.locationQuery["state"] == state)
            let refused = try await harness.authorize(
                harness.authorizeQuery(client: client, verifier: RandomToken.make(), ["state": state, "scope": "admin"]))
            #expect(refused.locationQuery["state"] == state)
        }
    }

    @Test func theHostFormEndToEnd() async throws {
        try await AuthHarness.run { harness in
            let host = "guide.localhost:8080"
            let origin = "http://guide.localhost:8080"
            let registered = try await harness.postForm(
                "/oauth/register", #"{"redirect_uris":["\#(AuthHarness.redirectURI)"],"token_endpoint_auth_method":"none"}"#,
                contentType: "application/json", host: host)
            #expect(registered.status == .created)
            let client = RegisteredClient(
                id: try #require(registered.json["client_id"] as? String), secret: nil, redirectURIs: [AuthHarness.redirectURI])
            let verifier = RandomToken.make()

            let query = harness.authorizeQuery(client: client, verifier: verifier, ["resource": origin + "/mcp"])
            let page = try await harness.get("/oauth/authorize?" + query, host: host)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<form method="post" action="/oauth/authorize""#))
            let cookie = try #require(page.headers[.setCookie])
            #expect(cookie.contains("Path=/oauth;"))
            let csrf = try #require(page.text.hiddenInput("csrf_token"))
            let form = FormEncoding.encode([
                "request": try #require(page.text.hiddenInput("request")), "csrf_token": csrf, "decision": "deny",
            ])
            let denied = try await harness.postForm(
                "/oauth/authorize", form, headers: [.cookie: "\(AuthorizationFlow.csrfCookie)=\(csrf)"], host: host)
            #expect(denied.status == .seeOther)
            #expect(denied.locationQuery["error"] == "access_denied")
            #expect(denied.locationQuery["iss"] == origin)
            // The path form's resource is another resource.
            let wrongResource = try await harness.get(
                "/oauth/authorize?" + harness.authorizeQuery(client: client, verifier: verifier), host: host)
            #expect(wrongResource.locationQuery["error"] == "invalid_target")

            let signIn = try await harness.signIn(client: client, verifier: verifier, form: .host)
            let exchange = try await harness.postForm(
                "/oauth/token",
                FormEncoding.encode([
                    "grant_type": "authorization_code", "code": signIn.code, "code_verifier": verifier, "client_id": client.id,
                    "redirect_uri": AuthHarness.redirectURI, "resource": origin + "/mcp",
                ]), host: host)
            #expect(exchange.status == .ok)
            let access = try #require(exchange.json["access_token"] as? String)
            #expect(JWTParts.payload(of: access)["iss"] as? String == origin)
            #expect(try await harness.mcp(AuthHarness.initialize, token: access, path: "/mcp", host: host).status == .ok)
            #expect(try await harness.mcp(AuthHarness.initialize, token: access).status == .unauthorized)
        }
    }

    // MARK: GET /oauth/callback

    @Test func callbackProblemsArePages() async throws {
        try await AuthHarness.run { harness in
            Self.expectPage(try await harness.get("/oauth/callback?state=unknown-state&code=abc"), .badRequest)
            Self.expectPage(try await harness.get("/oauth/callback?error=access_denied"), .badRequest)
            Self.expectPage(try await harness.get("/oauth/callback?code=abc"), .badRequest)
            Self.expectPage(try await harness.get("/oauth/callback"), .badRequest)
            Self.expectPage(try await harness.get("/oauth/callback?state=a&state=b&code=c"), .badRequest)
            Self.expectPage(try await harness.get("/oauth/callback?state=" + String(repeating: "s", count: 3000)), .badRequest)
        }
    }

    @Test func anIdentityProviderErrorGoesBackToTheClientOnce() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let consent = try await harness.consent(client: client, verifier: RandomToken.make())
            let allowed = try await harness.decide(consent, decision: "allow")
            let state = try #require(allowed.locationQuery["state"])

            let browser = AuthHarness.bindingCookie(from: allowed)
            #expect(browser[.cookie] != nil, "allowing sets the cookie that binds the callback to this browser")
            let callback = try await harness.get(
                "/oauth/callback?error=access_denied&state=\(FormEncoding.escape(state))", headers: browser)
            Self.expectErrorRedirect(callback, "access_denied")
            Self.expectPage(
                try await harness.get("/oauth/callback?code=abc&state=\(FormEncoding.escape(state))", headers: browser), .badRequest)
        }
    }

    /// Someone who consents for their own client and sends the identity provider's link to a
    /// victim gets nothing: the callback only completes in the browser that consented.
    @Test func theCallbackCompletesOnlyInTheConsentingBrowser() async throws {
        try await AuthHarness.run { harness in
            let client = try await harness.registerClient()
            let consent = try await harness.consent(client: client, verifier: RandomToken.make())
            let allowed = try await harness.decide(consent, decision: "allow")
            let binding = try #require(allowed.headers[values: .setCookie].first { $0.hasPrefix("mcp_oauth_flow_") })
            #expect(binding.contains("Path=/oauth/callback"))
            #expect(binding.contains("HttpOnly"))
            let state = try #require(allowed.locationQuery["state"])

            let otherBrowser = try await harness.get(
                "/oauth/callback?code=abc&state=\(FormEncoding.escape(state))",
                headers: [.cookie: String(binding.prefix { $0 != "=" }) + "=" + RandomToken.make()])
            Self.expectPage(otherBrowser, .forbidden)
            // The attempt used the sign-in up: not even the right browser can finish it now.
            let rightBrowser = try await harness.get(
                "/oauth/callback?code=abc&state=\(FormEncoding.escape(state))", headers: AuthHarness.bindingCookie(from: allowed))
            Self.expectPage(rightBrowser, .badRequest)
        }
    }
}
