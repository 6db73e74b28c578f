import Foundation
import HTTPTypes
import Hummingbird
import JWTKit

/// The MCP endpoint's side of authorization (MCP authorization spec, RFC 6750, RFC 9728): a
/// server in `oauth` mode accepts only access tokens its own authorization server issued for
/// this very endpoint, whose grant is still active.
struct BearerAuthenticator: Sendable {
    let auth: AuthServices

    /// The outcome of checking a request.
    enum Outcome {
        /// The end user (``EndUser/id``) the token was issued to.
        case authenticated(endUserID: Int64)
        /// 401 or 403 with a `WWW-Authenticate` challenge.
        case rejected(Response)
    }

    func authenticate(_ request: Request, server: TenantServer, authority: TenantAuthority) async throws -> Outcome {
        guard let header = request.headers[.authorization] else {
            return .rejected(challenge(.unauthorized, authority: authority, error: nil, message: "sign-in required"))
        }
        guard header.utf8.count <= 8192, header.lowercased().hasPrefix("bearer ") else {
            return .rejected(challenge(.unauthorized, authority: authority, error: "invalid_request", message: "use a Bearer token"))
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let claims = await auth.signingKeys.verify(token), claims.iss.value == authority.issuer,
            claims.aud.value.contains(authority.resource), claims.tid == server.id, let endUserID = Int64(claims.sub.value)
        else {
            return .rejected(
                challenge(
                    .unauthorized, authority: authority, error: "invalid_token",
                    message: "the access token is invalid, expired, or for another server"))
        }
        guard try await auth.grants.isActive(grantID: claims.gid, serverID: server.id) else {
            return .rejected(
                challenge(.unauthorized, authority: authority, error: "invalid_token", message: "the access token was revoked"))
        }
        guard claims.scopes.contains(AccessScope.mcp) else {
            return .rejected(
                challenge(
                    .forbidden, authority: authority, error: "insufficient_scope", message: "the token lacks the '\(AccessScope.mcp)' scope"
                ))
        }
        return .authenticated(endUserID: endUserID)
    }

    /// A challenge pointing the client at the protected resource metadata (RFC 9728 §5.1).
    private func challenge(_ status: HTTPResponse.Status, authority: TenantAuthority, error: String?, message: String) -> Response {
        var parameters = ["resource_metadata=\"\(authority.protectedResourceMetadata)\"", "scope=\"\(AccessScope.mcp)\""]
        if let error {
            parameters.insert("error=\"\(error)\"", at: 0)
            parameters.append("error_description=\"\(message)\"")
        }
        var response = MCPEndpoint.errorResponse(status, .init(code: -32001, message: "Unauthorized: \(message)"))
        response.headers[.wwwAuthenticate] = "Bearer " + parameters.joined(separator: ", ")
        return response
    }
}
