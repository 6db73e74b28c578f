import Foundation

/// The URLs under which one tenant's MCP server is an OAuth protected resource and its own
/// authorization server. They depend on how the request named the tenant: on its own host
/// (`https://acme.mcp.example.com/mcp`, issuer `https://acme.mcp.example.com`) or by path on the
/// platform's host (`https://mcp.example.com/mcp/acme`, issuer the same URL). They are built from
/// the configured public URL, never from request headers, so a forged `Host` cannot change them.
public struct TenantAuthority: Sendable, Equatable {
    /// The authorization server's issuer identifier, without a trailing slash.
    public let issuer: String
    /// The MCP endpoint: the RFC 8707 resource, and the audience of the access tokens.
    public let resource: String
    /// Where the RFC 9728 protected resource metadata is served.
    public let protectedResourceMetadata: String

    /// The authority of server `slug` reached through `form`.
    public init(slug: String, form: TenantRoute.Form, configuration: AppConfiguration) {
        switch form {
        case .host:
            let origin = configuration.tenantOrigin(for: slug)
            issuer = origin
            resource = origin + "/mcp"
            protectedResourceMetadata = origin + "/.well-known/oauth-protected-resource/mcp"
        case .path:
            let origin = configuration.publicOrigin
            issuer = "\(origin)/mcp/\(slug)"
            resource = issuer
            protectedResourceMetadata = "\(origin)/.well-known/oauth-protected-resource/mcp/\(slug)"
        }
    }

    public var authorizationEndpoint: String { issuer + "/oauth/authorize" }
    public var tokenEndpoint: String { issuer + "/oauth/token" }
    public var registrationEndpoint: String { issuer + "/oauth/register" }
    public var revocationEndpoint: String { issuer + "/oauth/revoke" }
    public var jwksURI: String { issuer + "/oauth/jwks" }

    /// The path under which the authorization server's pages live (for cookies).
    var cookiePath: String {
        let path = URLComponents(string: issuer)?.path ?? ""
        return path.isEmpty ? "/oauth" : path + "/oauth"
    }

    /// Whether the issuer is served over TLS (cookies are then `Secure`).
    var isSecure: Bool { issuer.hasPrefix("https://") }
}
