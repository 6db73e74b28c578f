import Foundation
import JWTKit
import MCP
import NIOHTTP1

/// The endpoints of an identity provider, from discovery or its configuration.
struct UpstreamEndpoints: Sendable, Equatable {
    let issuer: String?
    let authorization: URL
    let token: URL
    let userinfo: URL?
    let jwks: URL?
}

/// Tokens from the identity provider's token endpoint.
struct UpstreamTokens: Sendable {
    let accessToken: String
    let idToken: String?
    let refreshToken: String?
}

/// A failure talking to the identity provider, worded for the person who sees it.
enum UpstreamError: Error, Sendable, CustomStringConvertible {
    /// The provider could not be reached or answered nonsense: try again later (502).
    case unavailable(String)
    /// The provider refused (bad credentials, revoked account, invalid token): not retryable.
    case rejected(String)
    /// The configuration cannot work (a missing endpoint, an unusable URL).
    case misconfigured(String)

    var description: String {
        switch self {
        case .unavailable(let detail), .rejected(let detail), .misconfigured(let detail): detail
        }
    }
}

/// Talks OAuth 2 / OpenID Connect to customers' identity providers as a confidential client:
/// discovery, the authorization redirect, code exchange (with PKCE), ID token validation
/// (signature through the provider's JWKS, issuer, audience, expiry, nonce), userinfo, refresh.
/// Discovery documents and key sets are cached for ten minutes.
actor UpstreamClient {
    private let http: OutboundHTTP
    private var discovered: [String: (UpstreamEndpoints, Date)] = [:]
    private var keySets: [URL: (JWTKeyCollection, kids: Set<String>, Date)] = [:]
    static let cacheLifetime: TimeInterval = 600

    init(http: OutboundHTTP) {
        self.http = http
    }

    // MARK: Endpoints

    /// The provider's endpoints; discovery is fetched (or read from the cache unless `fresh`).
    func endpoints(of provider: UpstreamProvider, fresh: Bool = false) async throws(UpstreamError) -> UpstreamEndpoints {
        guard let discoveryURL = provider.discoveryURL else {
            guard let authorization = provider.authorizationURL.flatMap(URL.init(string:)),
                let token = provider.tokenURL.flatMap(URL.init(string:))
            else { throw .misconfigured("authorization_url and token_url are required without discovery_url") }
            return UpstreamEndpoints(
                issuer: provider.issuer, authorization: authorization, token: token,
                userinfo: provider.userinfoURL.flatMap(URL.init(string:)), jwks: provider.jwksURL.flatMap(URL.init(string:)))
        }
        if !fresh, let (endpoints, fetchedAt) = discovered[discoveryURL], Date().timeIntervalSince(fetchedAt) < Self.cacheLifetime {
            return endpoints
        }
        guard let url = URL(string: discoveryURL) else { throw .misconfigured("discovery_url is not a URL") }
        let document = try await fetchJSON(url, what: "the discovery document")
        func endpoint(_ key: String) -> URL? {
            guard case .string(let text)? = document[key] else { return nil }
            return URL(string: text)
        }
        guard case .string(let issuer)? = document["issuer"] else {
            throw .unavailable("the discovery document at \(discoveryURL) has no issuer")
        }
        guard let authorization = endpoint("authorization_endpoint"), let token = endpoint("token_endpoint") else {
            throw .unavailable("the discovery document at \(discoveryURL) lacks authorization_endpoint or token_endpoint")
        }
        let endpoints = UpstreamEndpoints(
            issuer: provider.issuer ?? issuer, authorization: authorization, token: token,
            userinfo: provider.userinfoURL.flatMap(URL.init(string:)) ?? endpoint("userinfo_endpoint"),
            jwks: provider.jwksURL.flatMap(URL.init(string:)) ?? endpoint("jwks_uri"))
        discovered[discoveryURL] = (endpoints, Date())
        return endpoints
    }

    /// Where to send the end user to sign in.
    nonisolated func authorizationURL(
        _ endpoints: UpstreamEndpoints, provider: UpstreamProvider, redirectURI: String, state: String, nonce: String, verifier: String
    ) -> URL {
        var components = URLComponents(url: endpoints.authorization, resolvingAgainstBaseURL: false)!
        var items = components.queryItems ?? []
        items += [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: provider.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "scope", value: provider.scopes),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "code_challenge", value: PKCE.challenge(for: verifier)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        if provider.isOpenIDConnect { items.append(URLQueryItem(name: "nonce", value: nonce)) }
        components.queryItems = items
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.url!
    }

    // MARK: Tokens

    /// Exchanges an authorization code at the provider's token endpoint.
    func exchange(
        code: String, verifier: String, redirectURI: String, endpoints: UpstreamEndpoints, provider: UpstreamProvider,
        clientSecret: String?
    ) async throws(UpstreamError) -> UpstreamTokens {
        try await tokenRequest(
            ["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier],
            endpoints: endpoints, provider: provider, clientSecret: clientSecret)
    }

    /// Refreshes the provider's session: `.rejected` when the provider no longer accepts it
    /// (the account was disabled or the session revoked).
    func refresh(_ refreshToken: String, endpoints: UpstreamEndpoints, provider: UpstreamProvider, clientSecret: String?)
        async throws(UpstreamError) -> UpstreamTokens
    {
        try await tokenRequest(
            ["grant_type": "refresh_token", "refresh_token": refreshToken], endpoints: endpoints, provider: provider,
            clientSecret: clientSecret)
    }

    private func tokenRequest(
        _ parameters: [String: String], endpoints: UpstreamEndpoints, provider: UpstreamProvider, clientSecret: String?
    ) async throws(UpstreamError) -> UpstreamTokens {
        var form = parameters
        var request = OutboundHTTP.Request(url: endpoints.token, method: .POST)
        request.headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        switch (provider.tokenAuthMethod, clientSecret) {
        case (.clientSecretBasic, let secret?):
            let credentials = "\(FormEncoding.escape(provider.clientID)):\(FormEncoding.escape(secret))"
            request.headers.append(("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString()))
        case (.clientSecretPost, let secret?):
            form["client_id"] = provider.clientID
            form["client_secret"] = secret
        case (_, nil):
            form["client_id"] = provider.clientID
        }
        request.body = Data(FormEncoding.encode(form).utf8)
        let response = try await send(request, what: "the token endpoint")
        let json = response.json(as: [String: Value].self)
        guard response.status == 200 else {
            let error = json.flatMap { $0["error"]?.stringValue }
            let description = json.flatMap { $0["error_description"]?.stringValue }
            let detail =
                "the token endpoint answered HTTP \(response.status)" + (error.map { ": \($0)" } ?? "")
                + (description.map { " (\($0.prefix(200)))" } ?? "")
            if (400..<500).contains(response.status) { throw .rejected(detail) }
            throw .unavailable(detail)
        }
        guard let json, let accessToken = json["access_token"]?.stringValue else {
            throw .unavailable("the token endpoint's answer has no access_token")
        }
        return UpstreamTokens(
            accessToken: accessToken, idToken: json["id_token"]?.stringValue, refreshToken: json["refresh_token"]?.stringValue)
    }

    // MARK: Identity

    /// Who signed in: from the ID token when the provider speaks OpenID Connect and sent one,
    /// else from its userinfo endpoint.
    func identity(
        from tokens: UpstreamTokens, nonce: String?, endpoints: UpstreamEndpoints, provider: UpstreamProvider
    ) async throws(UpstreamError) -> UpstreamIdentity {
        let claims: [String: Value]
        if let idToken = tokens.idToken, provider.isOpenIDConnect {
            claims = try await verifiedClaims(of: idToken, nonce: nonce, endpoints: endpoints, provider: provider)
        } else if let userinfo = endpoints.userinfo {
            claims = try await userinfoClaims(userinfo, accessToken: tokens.accessToken)
        } else {
            throw .misconfigured("the provider returned no ID token and has no userinfo endpoint")
        }
        guard let subject = claims[provider.claims.subject].flatMap(Self.text), !subject.isEmpty, subject.utf8.count <= 255 else {
            throw .rejected("the provider's answer has no usable '\(provider.claims.subject)' claim to identify the user")
        }
        return UpstreamIdentity(
            subject: subject, email: claims[provider.claims.email].flatMap(Self.text).map { String($0.prefix(320)) },
            name: claims[provider.claims.name].flatMap(Self.text).map { String($0.prefix(200)) })
    }

    private func userinfoClaims(_ url: URL, accessToken: String) async throws(UpstreamError) -> [String: Value] {
        var request = OutboundHTTP.Request(url: url)
        request.headers = [("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json")]
        let response = try await send(request, what: "the userinfo endpoint")
        guard response.status == 200 else {
            if (400..<500).contains(response.status) { throw .rejected("the userinfo endpoint answered HTTP \(response.status)") }
            throw .unavailable("the userinfo endpoint answered HTTP \(response.status)")
        }
        guard let claims = response.json(as: [String: Value].self) else {
            throw .unavailable("the userinfo endpoint did not answer with a JSON object")
        }
        return claims
    }

    /// The claims of an ID token after checking signature, issuer, audience, expiry and nonce.
    private func verifiedClaims(of idToken: String, nonce: String?, endpoints: UpstreamEndpoints, provider: UpstreamProvider)
        async throws(UpstreamError) -> [String: Value]
    {
        guard let jwksURL = endpoints.jwks else { throw .misconfigured("the provider has no jwks_uri to check ID tokens with") }
        let parts = idToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let header = Data(base64URLEncoded: String(parts[0])).flatMap({ try? JSONDecoder().decode([String: Value].self, from: $0) })
        else { throw .rejected("the ID token is not a JWT") }
        guard let algorithm = header["alg"]?.stringValue, Self.acceptedAlgorithms.contains(algorithm) else {
            throw .rejected("the ID token's algorithm '\(header["alg"]?.stringValue ?? "none")' is not accepted")
        }
        let kid = header["kid"]?.stringValue
        var keys = try await keySet(jwksURL, fresh: false)
        if let kid, !keys.kids.contains(kid) { keys = try await keySet(jwksURL, fresh: true) }
        let verified: IDTokenClaims
        do {
            verified = try await keys.collection.verify(idToken, as: IDTokenClaims.self)
        } catch {
            throw .rejected("the ID token's signature or expiry is invalid")
        }
        if let issuer = endpoints.issuer, verified.iss.value != issuer {
            throw .rejected("the ID token was issued by '\(verified.iss.value.prefix(200))', not by '\(issuer)'")
        }
        guard verified.aud.value.contains(provider.clientID) else { throw .rejected("the ID token is not addressed to this client") }
        if let nonce, verified.nonce != nonce { throw .rejected("the ID token's nonce does not match this sign-in") }
        guard let claims = Data(base64URLEncoded: String(parts[1])).flatMap({ try? JSONDecoder().decode([String: Value].self, from: $0) })
        else { throw .rejected("the ID token's claims are not JSON") }
        return claims
    }

    static let acceptedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    /// How many keys the provider's JWKS holds (for the connection test).
    func keyCount(at url: URL) async throws(UpstreamError) -> Int {
        try await keySet(url, fresh: true).kids.count
    }

    private func keySet(_ url: URL, fresh: Bool) async throws(UpstreamError) -> (collection: JWTKeyCollection, kids: Set<String>) {
        if !fresh, let (collection, kids, fetchedAt) = keySets[url], Date().timeIntervalSince(fetchedAt) < Self.cacheLifetime {
            return (collection, kids)
        }
        let response = try await send(OutboundHTTP.Request(url: url), what: "the JWKS endpoint")
        guard response.status == 200, let jwks = try? JSONDecoder().decode(JWKS.self, from: response.body) else {
            throw .unavailable("the JWKS at \(url.absoluteString) could not be read (HTTP \(response.status))")
        }
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        for key in jwks.keys {
            guard (try? await collection.add(jwk: key)) != nil else { continue }
            if let kid = key.keyIdentifier?.string { kids.insert(kid) }
        }
        keySets[url] = (collection, kids, Date())
        return (collection, kids)
    }

    // MARK: HTTP

    private func fetchJSON(_ url: URL, what: String) async throws(UpstreamError) -> [String: Value] {
        let response = try await send(OutboundHTTP.Request(url: url, headers: [("Accept", "application/json")]), what: what)
        guard response.status == 200 else { throw .unavailable("\(what) at \(url.absoluteString) answered HTTP \(response.status)") }
        guard let json = response.json(as: [String: Value].self) else {
            throw .unavailable("\(what) at \(url.absoluteString) is not a JSON object")
        }
        return json
    }

    private func send(_ request: OutboundHTTP.Request, what: String) async throws(UpstreamError) -> OutboundHTTP.Response {
        do {
            return try await http.send(request)
        } catch .refused(let reason) {
            throw .misconfigured("\(what) may not be called: \(reason)")
        } catch {
            throw .unavailable("\(what) failed: \(error)")
        }
    }

    /// A claim as text: strings as they are, numbers (GitHub's numeric ids) in decimal.
    private static func text(_ value: Value) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number) where number == number.rounded(): String(Int64(number))
        default: nil
        }
    }
}

/// The ID token claims that are checked; the rest are read as JSON for the claim mapping.
private struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nonce: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
