import Foundation

/// An identity provider as submitted by the admin API or the dashboard: the stored fields
/// plus the write-only client secret, validated in one place.
struct ProviderInput: Decodable, Sendable {
    var discoveryURL, issuer, authorizationURL, tokenURL, userinfoURL, jwksURL: String?
    var clientID: String
    var clientSecret: String?
    var scopes: String?
    var tokenAuthMethod: UpstreamProvider.TokenAuthMethod?
    var claims: UpstreamProvider.ClaimMapping?

    enum CodingKeys: String, CodingKey {
        case discoveryURL = "discovery_url", issuer, authorizationURL = "authorization_url", tokenURL = "token_url"
        case userinfoURL = "userinfo_url", jwksURL = "jwks_url", clientID = "client_id", clientSecret = "client_secret", scopes
        case tokenAuthMethod = "token_auth_method", claims
    }

    /// A field that cannot be used (named as in the admin API's JSON), and why.
    struct Problem: Error {
        let field: String
        let message: String
    }

    /// Either a discovery URL, or the endpoints of a plain OAuth 2 provider; every URL https
    /// (http only where private networks are allowed, i.e. tests).
    func validated(allowHTTP: Bool) throws(Problem) -> UpstreamProvider {
        func url(_ value: String?, _ field: String) throws(Problem) -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.utf8.count <= 2000, let parsed = URL(string: value), let scheme = parsed.scheme, parsed.host != nil,
                scheme == "https" || (scheme == "http" && allowHTTP)
            else {
                throw Problem(field: field, message: "\(field) must be an https URL")
            }
            return value
        }
        func text(_ value: String?) -> String? {
            value.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let discoveryURL = try url(discoveryURL, "discovery_url")
        let provider = UpstreamProvider(
            discoveryURL: discoveryURL, issuer: text(issuer), authorizationURL: try url(authorizationURL, "authorization_url"),
            tokenURL: try url(tokenURL, "token_url"), userinfoURL: try url(userinfoURL, "userinfo_url"),
            jwksURL: try url(jwksURL, "jwks_url"),
            clientID: clientID.trimmingCharacters(in: .whitespaces),
            scopes: text(scopes) ?? (discoveryURL != nil ? "openid email profile" : ""),
            tokenAuthMethod: tokenAuthMethod ?? .clientSecretBasic,
            claims: claims ?? .init())
        if provider.discoveryURL == nil {
            guard provider.authorizationURL != nil, provider.tokenURL != nil else {
                throw Problem(field: "discovery_url", message: "give discovery_url, or authorization_url and token_url")
            }
            guard provider.userinfoURL != nil || provider.jwksURL != nil else {
                throw Problem(
                    field: "userinfo_url",
                    message: "without discovery, userinfo_url (or jwks_url and issuer) is needed to learn who signed in")
            }
        }
        guard !provider.clientID.isEmpty, provider.clientID.utf8.count <= 512 else {
            throw Problem(field: "client_id", message: "client_id is required (at most 512 bytes)")
        }
        guard (clientSecret?.utf8.count ?? 0) <= 2048 else { throw Problem(field: "client_secret", message: "client_secret is too long") }
        guard provider.scopes.utf8.count <= 1000 else { throw Problem(field: "scopes", message: "scopes are too long") }
        guard (provider.issuer?.utf8.count ?? 0) <= 2000 else { throw Problem(field: "issuer", message: "issuer is too long") }
        for claim in [provider.claims.subject, provider.claims.email, provider.claims.name] where claim.isEmpty || claim.utf8.count > 100 {
            throw Problem(field: "claims", message: "claim names must be 1 to 100 characters")
        }
        return provider
    }
}
