import Foundation

/// A customer's identity provider, to which a server's sign-in is delegated: an OpenID Connect
/// provider found by discovery, or a plain OAuth 2 provider given by its endpoints (the identity
/// then comes from its userinfo endpoint).
public struct UpstreamProvider: Sendable, Equatable, Codable {
    /// `https://idp.example.com/.well-known/openid-configuration`; nil for explicit endpoints.
    public var discoveryURL: String?
    /// The expected `iss` of ID tokens; from discovery when nil.
    public var issuer: String?
    public var authorizationURL: String?
    public var tokenURL: String?
    public var userinfoURL: String?
    public var jwksURL: String?
    public var clientID: String
    /// Space-separated scopes requested from the provider.
    public var scopes: String
    public var tokenAuthMethod: TokenAuthMethod
    public var claims: ClaimMapping

    /// How the platform authenticates to the provider's token endpoint.
    public enum TokenAuthMethod: String, Sendable, Codable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
    }

    /// Which claims (of the ID token or the userinfo response) hold the user's identity.
    public struct ClaimMapping: Sendable, Equatable, Codable {
        public var subject = "sub"
        public var email = "email"
        public var name = "name"
    }

    enum CodingKeys: String, CodingKey {
        case discoveryURL = "discovery_url", issuer, authorizationURL = "authorization_url", tokenURL = "token_url"
        case userinfoURL = "userinfo_url", jwksURL = "jwks_url", clientID = "client_id", scopes
        case tokenAuthMethod = "token_auth_method", claims
    }

    /// Whether identities come from ID tokens (OpenID Connect) rather than the userinfo endpoint only.
    var isOpenIDConnect: Bool { discoveryURL != nil || jwksURL != nil }
}

extension UpstreamProvider.ClaimMapping {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decodeIfPresent(String.self, forKey: .subject) ?? "sub"
        email = try container.decodeIfPresent(String.self, forKey: .email) ?? "email"
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? "name"
    }
}

/// A server's sign-in configuration as the admin API reads and writes it.
public struct AuthConfiguration: Sendable, Equatable {
    public var mode: AuthMode
    public var provider: UpstreamProvider?
    /// Whether a client secret is stored (it is never returned).
    public var clientSecretSet: Bool
}

/// Storage of the servers' identity providers. Client secrets are sealed with AES-GCM under
/// the platform key and only opened to talk to the provider.
struct UpstreamProviderStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    func provider(serverID: Int64) async throws -> (UpstreamProvider, clientSecret: String?)? {
        guard let row = try await database.first("SELECT settings, client_secret FROM auth_providers WHERE server_id = \(serverID)") else {
            return nil
        }
        let provider = try JSONDecoder().decode(UpstreamProvider.self, from: Data((try row.decode("settings") as String).utf8))
        let secret = try (try row.decode("client_secret", as: String?.self)).map {
            try secretKey.open($0, purpose: "upstream-client-secret")
        }
        return (provider, secret)
    }

    /// Stores `provider`; a nil `clientSecret` keeps the stored one.
    func save(_ provider: UpstreamProvider, clientSecret: String?, serverID: Int64, now: Date = Date()) async throws {
        let settings = provider.jsonColumn
        if let clientSecret {
            let sealed = try secretKey.seal(clientSecret, purpose: "upstream-client-secret")
            try await database.query(
                """
                INSERT INTO auth_providers (server_id, settings, client_secret, updated_at) VALUES (\(serverID), \(settings), \(sealed), \(now))
                ON CONFLICT (server_id) DO UPDATE SET settings = excluded.settings, client_secret = excluded.client_secret, updated_at = excluded.updated_at
                """
            )
        } else {
            try await database.query(
                """
                INSERT INTO auth_providers (server_id, settings, updated_at) VALUES (\(serverID), \(settings), \(now))
                ON CONFLICT (server_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """
            )
        }
    }
}
