import Foundation
import MCP

/// A client application (Cursor, VS Code, Claude Code, …) known to one server's authorization
/// server: registered dynamically (RFC 7591) or described by a metadata document at its
/// `client_id` URL.
struct OAuthClient: Sendable, Equatable {
    enum Kind: String, Sendable {
        case registered
        case metadataDocument = "metadata_document"
    }

    /// How the client authenticates at the token endpoint.
    enum AuthMethod: String, Sendable, Codable, CaseIterable {
        /// A public client (PKCE only): every native MCP client.
        case none
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
    }

    let serverID: Int64
    let clientID: String
    let kind: Kind
    let name: String?
    let redirectURIs: [String]
    let authMethod: AuthMethod
    /// Keyed hash of the client secret, for confidential clients.
    let secretHash: String?
    /// Until when a metadata document's copy is fresh.
    let expiresAt: Date?

    init(row: SQLRow) throws {
        serverID = try row.decode("server_id")
        clientID = try row.decode("client_id")
        kind = Kind(rawValue: try row.decode("kind")) ?? .registered
        name = try row.decode("name")
        redirectURIs = try JSONDecoder().decode([String].self, from: Data((try row.decode("redirect_uris") as String).utf8))
        authMethod = AuthMethod(rawValue: try row.decode("auth_method")) ?? .none
        secretHash = try row.decode("secret_hash")
        expiresAt = try row.decode("expires_at")
    }

    /// The registered redirect URI that `presented` matches, or nil.
    func redirectURI(matching presented: String) -> String? {
        redirectURIs.first { RedirectURI.matches(presented, registered: $0) }
    }
}

/// The client metadata both registration paths accept (RFC 7591 §2), validated.
struct ClientMetadata: Sendable, Equatable {
    var name: String?
    var redirectURIs: [String]
    var authMethod: OAuthClient.AuthMethod
    var grantTypes: [String]
    var scope: String?

    static let maximumRedirectURIs = 10

    /// Validates a registration request or metadata document. Errors are RFC 7591 error codes
    /// with a description.
    init(json: [String: Value], defaultAuthMethod: OAuthClient.AuthMethod) throws(OAuthError) {
        guard case .array(let uris)? = json["redirect_uris"], !uris.isEmpty else {
            throw OAuthError(.invalidRedirectURI, "redirect_uris must be a non-empty array")
        }
        guard uris.count <= Self.maximumRedirectURIs else {
            throw OAuthError(.invalidRedirectURI, "at most \(Self.maximumRedirectURIs) redirect_uris")
        }
        redirectURIs = []
        for uri in uris {
            guard case .string(let uri) = uri else { throw OAuthError(.invalidRedirectURI, "redirect_uris must be strings") }
            if let problem = RedirectURI.problem(with: uri) {
                throw OAuthError(.invalidRedirectURI, "redirect URI '\(uri.prefix(200))': \(problem)")
            }
            redirectURIs.append(uri)
        }
        switch json["token_endpoint_auth_method"] {
        case nil, .null?:
            authMethod = defaultAuthMethod
        case .string(let method)?:
            guard let method = OAuthClient.AuthMethod(rawValue: method) else {
                throw OAuthError(
                    .invalidClientMetadata,
                    "token_endpoint_auth_method must be one of \(OAuthClient.AuthMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            authMethod = method
        default:
            throw OAuthError(.invalidClientMetadata, "token_endpoint_auth_method must be a string")
        }
        grantTypes = ["authorization_code", "refresh_token"]
        if case .array(let types)? = json["grant_types"] {
            let names = types.compactMap { if case .string(let name) = $0 { name } else { nil } }
            guard names.count == types.count, Set(names).isSubset(of: ["authorization_code", "refresh_token"]) else {
                throw OAuthError(.invalidClientMetadata, "grant_types may only contain authorization_code and refresh_token")
            }
            grantTypes = names
        }
        if case .array(let types)? = json["response_types"], types != [.string("code")] {
            throw OAuthError(.invalidClientMetadata, "response_types must be [\"code\"]")
        }
        if case .string(let name)? = json["client_name"] {
            guard name.count <= 200 else { throw OAuthError(.invalidClientMetadata, "client_name is longer than 200 characters") }
            self.name = name.isEmpty ? nil : name
        }
        if case .string(let scope)? = json["scope"] {
            guard scope.utf8.count <= 1000 else { throw OAuthError(.invalidClientMetadata, "scope is longer than 1000 characters") }
            self.scope = scope
        }
    }
}

/// Storage of one server's clients.
struct OAuthClientStore: Sendable {
    let database: any Database
    let secretKey: SecretKey

    /// Registers a client (RFC 7591). Returns it and, for confidential clients, its secret.
    func register(_ metadata: ClientMetadata, serverID: Int64, now: Date = Date()) async throws -> (OAuthClient, secret: String?) {
        let clientID = RandomToken.make(bytes: 16)
        let secret = metadata.authMethod == .none ? nil : RandomToken.make()
        let client = try await save(
            metadata, clientID: clientID, kind: .registered, secretHash: secret.map(secretKey.tokenHash), expiresAt: nil,
            serverID: serverID, now: now)
        return (client, secret)
    }

    /// Stores (or refreshes) the copy of a client metadata document.
    func saveMetadataDocument(_ metadata: ClientMetadata, url: String, serverID: Int64, expiresAt: Date, now: Date = Date())
        async throws -> OAuthClient
    {
        try await save(
            metadata, clientID: url, kind: .metadataDocument, secretHash: nil, expiresAt: expiresAt, serverID: serverID, now: now)
    }

    func find(clientID: String, serverID: Int64) async throws -> OAuthClient? {
        guard clientID.utf8.count <= 2000 else { return nil }
        return try await database.first(
            "SELECT \(raw: Self.columns) FROM oauth_clients WHERE server_id = \(serverID) AND client_id = \(clientID)"
        ).map(OAuthClient.init)
    }

    /// Whether `secret` is the client's secret. Keyed hashes are compared, so the comparison's
    /// timing reveals nothing about the secret.
    func verify(secret: String, of client: OAuthClient) -> Bool {
        guard let expected = client.secretHash, secret.utf8.count <= 256 else { return false }
        return secretKey.tokenHash(secret) == expected
    }

    private func save(
        _ metadata: ClientMetadata, clientID: String, kind: OAuthClient.Kind, secretHash: String?, expiresAt: Date?, serverID: Int64,
        now: Date
    ) async throws -> OAuthClient {
        let uris = String(decoding: try JSONEncoder().encode(metadata.redirectURIs), as: UTF8.self)
        return try OAuthClient(
            row: await database.one(
                """
                INSERT INTO oauth_clients (server_id, client_id, kind, name, redirect_uris, auth_method, secret_hash, created_at, expires_at)
                VALUES (\(serverID), \(clientID), \(kind.rawValue), \(metadata.name), \(uris), \(metadata.authMethod.rawValue), \(secretHash), \(now), \(expiresAt))
                ON CONFLICT (server_id, client_id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris,
                    auth_method = excluded.auth_method, expires_at = excluded.expires_at
                RETURNING \(raw: Self.columns)
                """
            ))
    }

    private static let columns = "server_id, client_id, kind, name, redirect_uris, auth_method, secret_hash, expires_at"
}
