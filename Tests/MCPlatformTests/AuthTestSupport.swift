import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// A platform whose organization `acme` owns four servers, driven through the router (no sockets):
/// `guide` (oauth, an OpenID Connect provider), `other` (oauth, a plain OAuth 2 provider), `bare`
/// (oauth, no provider yet) and `open` (auth mode none). The providers' endpoints are never
/// contacted: sign-ins are completed through the stores, as the callback would.
struct AuthHarness: Sendable {
    let client: any TestClientProtocol
    let platform: Platform
    let guide: TenantServer
    let other: TenantServer
    let bare: TenantServer
    let open: TenantServer

    static let guideProvider = UpstreamProvider(
        discoveryURL: nil, issuer: "https://idp.example", authorizationURL: "https://idp.example/authorize",
        tokenURL: "https://idp.example/token", userinfoURL: nil, jwksURL: "https://idp.example/jwks", clientID: "mcplatform-guide",
        scopes: "openid email profile", tokenAuthMethod: .clientSecretBasic, claims: .init())
    static let otherProvider = UpstreamProvider(
        discoveryURL: nil, issuer: nil, authorizationURL: "https://login.other.example/oauth/authorize?prompt=consent",
        tokenURL: "https://login.other.example/oauth/token", userinfoURL: "https://api.other.example/user", jwksURL: nil,
        clientID: "mcplatform-other", scopes: "read:user", tokenAuthMethod: .clientSecretPost,
        claims: .init(subject: "id", email: "email", name: "login"))

    static func run(
        _ backend: Backend = .sqlite, configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (AuthHarness) async throws -> Void
    ) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database, configure: configure)
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            var created: [String: TenantServer] = [:]
            for (slug, name) in [("guide", "Acme Docs"), ("other", "Other Docs"), ("bare", "Bare"), ("open", "Open Docs")] {
                let server = try await platform.tenancy.createServer(slug: Slug(slug), name: name, organization: acme)
                if slug != "open" { try await platform.tenancy.setAuthMode(.oauth, serverID: server.id) }
                created[slug] = try await platform.tenancy.server(slug: slug)
            }
            let servers = created
            let guide = try #require(servers["guide"])
            let other = try #require(servers["other"])
            try await platform.auth.providers.save(Self.guideProvider, clientSecret: "upstream-secret", serverID: guide.id)
            try await platform.auth.providers.save(Self.otherProvider, clientSecret: "other-secret", serverID: other.id)
            let responder = HostHeaderResponder(wrapped: buildRouter(platform: platform).buildResponder())
            try await Application(responder: responder, logger: .quiet).test(.router) { client in
                try await body(
                    AuthHarness(
                        client: client, platform: platform, guide: guide, other: other, bare: try #require(servers["bare"]),
                        open: try #require(servers["open"])))
            }
        }
    }

    // MARK: URLs

    func authority(_ server: TenantServer, form: TenantRoute.Form = .path) -> TenantAuthority {
        TenantAuthority(slug: server.slug, form: form, configuration: platform.configuration)
    }

    // MARK: Plain requests

    func get(_ path: String, host: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.hostHeader] = host
        return try await client.execute(uri: path, method: .get, headers: headers)
    }

    /// A form POST (`application/x-www-form-urlencoded` unless `contentType` says otherwise).
    func postForm(
        _ path: String, _ body: String, contentType: String? = "application/x-www-form-urlencoded", headers: HTTPFields = [:],
        host: String? = nil
    ) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = contentType
        headers[.hostHeader] = host
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    // MARK: Registration

    func register(_ json: String, slug: String = "guide", contentType: String = "application/json") async throws -> TestResponse {
        try await postForm("/mcp/\(slug)/oauth/register", json, contentType: contentType)
    }

    /// Registers a client by DCR; `authMethod` nil leaves `token_endpoint_auth_method` out.
    func registerClient(
        slug: String = "guide", name: String = "Test Agent", redirectURIs: [String] = [AuthHarness.redirectURI],
        authMethod: String? = "none"
    ) async throws -> RegisteredClient {
        var document: [String: Any] = ["client_name": name, "redirect_uris": redirectURIs]
        document["token_endpoint_auth_method"] = authMethod
        let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let response = try await register(json, slug: slug)
        try #require(response.status == .created, "\(String(buffer: response.body))")
        return RegisteredClient(
            id: try #require(response.json["client_id"] as? String), secret: response.json["client_secret"] as? String,
            redirectURIs: redirectURIs)
    }

    static let redirectURI = "http://127.0.0.1:3000/callback"

    // MARK: Sign-in through the stores

    /// Completes a sign-in of `subject` as the callback would (pending authorization, end user,
    /// grant) and returns the authorization code.
    func signIn(
        _ server: TenantServer? = nil, client: RegisteredClient, verifier: String, subject: String = "alice",
        redirectURI: String? = nil, redirectURIGiven: Bool = true, form: TenantRoute.Form = .path, scope: String = "mcp"
    ) async throws -> SignIn {
        let server = server ?? guide
        let authority = authority(server, form: form)
        let (pending, _) = try await platform.auth.pending.create(
            AuthorizationParameters(
                clientID: client.id, redirectURI: redirectURI ?? client.redirectURIs[0], redirectURIGiven: redirectURIGiven,
                state: "client-state", codeChallenge: PKCE.challenge(for: verifier), resource: authority.resource, scope: scope),
            serverID: server.id, issuer: authority.issuer)
        let user = try await platform.auth.endUsers.upsert(
            UpstreamIdentity(subject: subject, email: "\(subject)@example.com", name: subject.capitalized), serverID: server.id)
        let code = try await platform.auth.grants.createGrant(for: pending, endUserID: user.id, upstreamRefreshToken: nil)
        return SignIn(code: code, endUserID: user.id)
    }

    // MARK: Token endpoint

    func token(_ parameters: [String: String], slug: String = "guide", basic: (String, String)? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let (id, secret) = basic {
            headers[.authorization] = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
        }
        return try await postForm("/mcp/\(slug)/oauth/token", FormEncoding.encode(parameters), headers: headers)
    }

    func exchange(
        _ code: String, client: RegisteredClient, verifier: String, slug: String = "guide", redirectURI: String? = nil
    ) async throws -> TestResponse {
        try await token(
            [
                "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "client_id": client.id,
                "redirect_uri": redirectURI ?? client.redirectURIs[0],
            ], slug: slug)
    }

    /// Signs `subject` in and exchanges the code: a working pair of tokens.
    func tokens(
        _ server: TenantServer? = nil, client: RegisteredClient, subject: String = "alice"
    ) async throws -> Tokens {
        let server = server ?? guide
        let verifier = RandomToken.make()
        let signIn = try await signIn(server, client: client, verifier: verifier, subject: subject)
        let response = try await exchange(signIn.code, client: client, verifier: verifier, slug: server.slug)
        try #require(response.status == .ok, "\(String(buffer: response.body))")
        return try Tokens(response, endUserID: signIn.endUserID)
    }

    func refresh(_ refreshToken: String, client: RegisteredClient, slug: String = "guide") async throws -> TestResponse {
        try await token(["grant_type": "refresh_token", "refresh_token": refreshToken, "client_id": client.id], slug: slug)
    }

    func revoke(_ token: String, client: RegisteredClient, slug: String = "guide") async throws -> TestResponse {
        try await postForm("/mcp/\(slug)/oauth/revoke", FormEncoding.encode(["token": token, "client_id": client.id]))
    }

    /// Signs `claims` (JSON, as in a token's payload) as ``AccessTokenClaims`` with the platform's current key.
    func sign(_ claims: [String: Any]) async throws -> String {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let decoded = try decoder.decode(AccessTokenClaims.self, from: try JSONSerialization.data(withJSONObject: claims))
        return try await platform.auth.signingKeys.sign(decoded)
    }

    /// Claims like the token endpoint's, for `server` reached through `form`.
    func claims(
        _ server: TenantServer? = nil, form: TenantRoute.Form = .path, endUserID: Int64, grantID: String, clientID: String,
        scope: String = "mcp", expires: Date = Date().addingTimeInterval(600)
    ) -> [String: Any] {
        let authority = authority(server ?? guide, form: form)
        return [
            "iss": authority.issuer, "sub": String(endUserID), "aud": [authority.resource], "exp": expires.timeIntervalSince1970,
            "iat": Date().timeIntervalSince1970 - 60, "jti": RandomToken.make(bytes: 12), "tid": (server ?? guide).id, "gid": grantID,
            "client_id": clientID, "scope": scope,
        ]
    }

    // MARK: MCP endpoint

    func mcp(
        _ body: String, token: String?, session: String? = nil, path: String = "/mcp/guide", host: String? = nil,
        method: HTTPRequest.Method = .post
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.accept: "application/json, text/event-stream", .contentType: "application/json"]
        headers[.authorization] = token.map { "Bearer \($0)" }
        headers[.mcpSessionID] = session
        headers[.hostHeader] = host
        return try await client.execute(uri: path, method: method, headers: headers, body: method == .post ? ByteBuffer(string: body) : nil)
    }

    static let initialize = MCPClient.initializeBody(version: ProtocolVersion.latest)
    static let toolsList = #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#
    static let ping = #"{"jsonrpc":"2.0","id":3,"method":"ping"}"#

    // MARK: Browser flow

    /// The query of an authorization request of `client`, with `overrides` (nil removes a parameter).
    func authorizeQuery(client: RegisteredClient, verifier: String, _ overrides: [String: String?] = [:], slug: String = "guide") -> String
    {
        var parameters = [
            "response_type": "code", "client_id": client.id, "redirect_uri": client.redirectURIs[0],
            "code_challenge": PKCE.challenge(for: verifier), "code_challenge_method": "S256", "state": "client-state",
            "resource": "http://localhost:8080/mcp/\(slug)", "scope": "mcp",
        ]
        for (name, value) in overrides { parameters[name] = value }
        return FormEncoding.encode(parameters)
    }

    func authorize(_ query: String, slug: String = "guide") async throws -> TestResponse {
        try await get("/mcp/\(slug)/oauth/authorize?\(query)")
    }

    /// Shows the consent page of a valid request and returns what its form needs.
    func consent(client: RegisteredClient, verifier: String, _ overrides: [String: String?] = [:], slug: String = "guide") async throws
        -> Consent
    {
        let page = try await authorize(authorizeQuery(client: client, verifier: verifier, overrides, slug: slug), slug: slug)
        try #require(page.status == .ok, "\(String(buffer: page.body))")
        let html = String(buffer: page.body)
        let cookie = try #require(page.headers[.setCookie])
        let cookieValue = try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init))
        return Consent(
            requestID: try #require(html.hiddenInput("request")), csrfToken: try #require(html.hiddenInput("csrf_token")),
            cookie: cookieValue, setCookie: cookie, html: html)
    }

    /// Which `Cookie` header the consent form is posted with.
    enum CookieChoice {
        /// The cookie the consent page set (among others).
        case matching
        case missing
        case value(String)
    }

    /// Posts the consent form.
    /// The `Cookie` header that carries the browser-binding cookie a consent answer set, as the
    /// consenting browser sends it back to the identity provider's callback.
    static func bindingCookie(from response: TestResponse) -> HTTPFields {
        for value in response.headers[values: .setCookie] where value.hasPrefix("mcp_oauth_flow_") {
            return [.cookie: String(value.prefix { $0 != ";" })]
        }
        return [:]
    }

    func decide(
        _ consent: Consent, decision: String, csrfToken: String? = nil, cookie: CookieChoice = .matching, slug: String = "guide"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        switch cookie {
        case .matching: headers[.cookie] = "theme=dark; \(AuthorizationFlow.csrfCookie)=\(consent.cookie)"
        case .missing: break
        case .value(let value): headers[.cookie] = "\(AuthorizationFlow.csrfCookie)=\(value)"
        }
        let form = FormEncoding.encode(["request": consent.requestID, "csrf_token": csrfToken ?? consent.csrfToken, "decision": decision])
        return try await postForm("/mcp/\(slug)/oauth/authorize", form, headers: headers)
    }
}

/// A client registered by DCR.
struct RegisteredClient: Sendable {
    let id: String
    let secret: String?
    let redirectURIs: [String]
}

/// A sign-in completed through the stores.
struct SignIn: Sendable {
    let code: String
    let endUserID: Int64
}

/// A token response.
struct Tokens: Sendable {
    let access: String
    let refresh: String
    let endUserID: Int64

    init(_ response: TestResponse, endUserID: Int64) throws {
        access = try #require(response.json["access_token"] as? String)
        refresh = try #require(response.json["refresh_token"] as? String)
        self.endUserID = endUserID
    }
}

/// What the consent page gave the browser.
struct Consent: Sendable {
    let requestID: String
    let csrfToken: String
    let cookie: String
    let setCookie: String
    let html: String
}

/// Router tests always say `localhost` as the authority; this passes a `Host` header on as the
/// authority, so that the host form (`guide.localhost`) can be exercised.
struct HostHeaderResponder<Wrapped: HTTPResponder>: HTTPResponder {
    typealias Context = Wrapped.Context
    let wrapped: Wrapped

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let host = request.headers[.hostHeader] else { return try await wrapped.respond(to: request, context: context) }
        var head = request.head
        head.authority = host
        head.headerFields[.hostHeader] = nil
        return try await wrapped.respond(to: Request(head: head, body: request.body), context: context)
    }
}

extension HTTPField.Name {
    static let hostHeader = Self("Host")!
}

extension String {
    /// The value of the hidden input `name` of a server-rendered form.
    func hiddenInput(_ name: String) -> String? {
        guard let start = range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = self[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

extension TestResponse {
    /// The query parameters of the `Location` header.
    var locationQuery: [String: String] {
        guard let location = headers[.location], let items = URLComponents(string: location)?.queryItems else { return [:] }
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    var text: String { String(buffer: body) }

    var oauthError: String? { json["error"] as? String }
}

/// The parts of a compact JWS.
enum JWTParts {
    static func segments(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    static func json(_ segment: String) -> [String: Any] {
        Data(base64URLEncoded: segment).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    }

    static func encode(_ object: [String: Any]) throws -> String {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64URLEncoded
    }

    static func header(of token: String) -> [String: Any] { json(segments(token)[0]) }
    static func payload(of token: String) -> [String: Any] { json(segments(token)[1]) }
}
