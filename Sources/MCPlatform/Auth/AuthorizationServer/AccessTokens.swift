import Foundation
import JWTKit

/// The claims of an access token issued to an MCP client.
struct AccessTokenClaims: JWTPayload, Equatable {
    /// The tenant's issuer.
    var iss: IssuerClaim
    /// The end user (``EndUser/id``).
    var sub: SubjectClaim
    /// The MCP endpoint the token is for (RFC 8707).
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    /// The server the token was issued by (checked alongside the audience).
    var tid: Int64
    /// The grant (one sign-in of one client); revoking it ends every token issued under it.
    var gid: String
    var client_id: String
    var scope: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }

    var scopes: Set<String> { Set(scope.split(separator: " ").map(String.init)) }
}

/// The platform's token signing keys (ES256), shared by every tenant and every instance through the
/// database, where the private keys are stored sealed under the master key.
///
/// Access tokens are JWTs so that they carry their audience, issuer, expiry and grant, and any
/// instance can check them without a shared cache. Each check still looks up the grant (one
/// primary-key read), so that revocation takes effect at once rather than at expiry.
/// Rotation (`mcplatform keys rotate`) adds a key that signs from then on; retired keys stay in
/// the JWKS, and keep verifying, for a day so that tokens signed with them run out first.
public actor SigningKeys {
    private let database: any Database
    private let secretKey: SecretKey
    private var keys = JWTKeyCollection()
    private var published: [JWK] = []
    private var signingKID: JWKIdentifier?
    private var loadedAt: Date = .distantPast

    /// Keys are re-read this often, so that a rotation on one instance reaches the others.
    static let reloadInterval: TimeInterval = 300
    /// How long a retired key keeps verifying (longer than the longest access-token lifetime).
    static let retiredKeyGrace: TimeInterval = 86400

    public init(database: any Database, secretKey: SecretKey) {
        self.database = database
        self.secretKey = secretKey
    }

    func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await loadIfStale()
        return try await keys.sign(claims, kid: signingKID)
    }

    /// The verified claims of `token`, or nil when it is malformed, forged, signed with an
    /// unknown key or expired. A token naming a key this instance has not seen yet triggers one
    /// reload (another instance may have rotated).
    func verify(_ token: String) async -> AccessTokenClaims? {
        if let kid = Self.keyID(of: token), !published.contains(where: { $0.keyIdentifier?.string == kid }),
            Date().timeIntervalSince(loadedAt) > 10
        {
            try? await load()
        }
        do {
            try await loadIfStale()
            guard let kid = Self.keyID(of: token), published.contains(where: { $0.keyIdentifier?.string == kid }) else { return nil }
            return try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            return nil
        }
    }

    /// The public keys, as served at the JWKS endpoint.
    func jwks() async throws -> JWKS {
        try await loadIfStale()
        return JWKS(keys: published)
    }

    /// Adds a new signing key and retires the others. Returns the new key id.
    @discardableResult
    public func rotate(now: Date = Date()) async throws -> String {
        let kid = try await database.transaction { database in
            try await database.query("UPDATE oauth_signing_keys SET retired_at = \(now) WHERE retired_at IS NULL")
            return try await Self.insertKey(into: database, secretKey: self.secretKey, now: now)
        }
        try await load()
        return kid
    }

    private func loadIfStale() async throws {
        if Date().timeIntervalSince(loadedAt) > Self.reloadInterval { try await load() }
    }

    private func load(now: Date = Date()) async throws {
        let cutoff = now.addingTimeInterval(-Self.retiredKeyGrace)
        var rows = try await database.query(
            "SELECT kid, private_key, retired_at FROM oauth_signing_keys WHERE retired_at IS NULL OR retired_at > \(cutoff) ORDER BY created_at"
        )
        if !rows.contains(where: { (try? $0.decode("retired_at", as: Date?.self)) == .some(nil) }) {
            _ = try await Self.insertKey(into: database, secretKey: secretKey, now: now)
            rows = try await database.query(
                "SELECT kid, private_key, retired_at FROM oauth_signing_keys WHERE retired_at IS NULL OR retired_at > \(cutoff) ORDER BY created_at"
            )
        }
        let collection = JWTKeyCollection()
        var published: [JWK] = []
        var signing: JWKIdentifier?
        for row in rows {
            let kid = JWKIdentifier(string: try row.decode("kid"))
            let key = try ES256PrivateKey(pem: try secretKey.open(try row.decode("private_key"), purpose: "token-signing-key"))
            await collection.add(ecdsa: key, kid: kid)
            guard let parameters = key.parameters else { continue }
            published.append(.ecdsa(.es256, identifier: kid, x: parameters.x, y: parameters.y, curve: .p256))
            if try row.decode("retired_at", as: Date?.self) == nil { signing = kid }
        }
        (keys, self.published, signingKID, loadedAt) = (collection, published, signing, now)
    }

    private static func insertKey(into database: any SQLExecutor, secretKey: SecretKey, now: Date) async throws -> String {
        let kid = RandomToken.make(bytes: 12)
        let sealed = try secretKey.seal(ES256PrivateKey().pemRepresentation, purpose: "token-signing-key")
        try await database.query(
            "INSERT INTO oauth_signing_keys (kid, private_key, created_at) VALUES (\(kid), \(sealed), \(now))")
        return kid
    }

    /// The `kid` of a compact JWS, read without verifying anything.
    private static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1).first, header.utf8.count < 1024,
            let data = Data(base64URLEncoded: String(header)),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}

extension Data {
    /// Decodes unpadded (or padded) base64url.
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
