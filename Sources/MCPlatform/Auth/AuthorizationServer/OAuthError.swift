import Foundation
import HTTPTypes
import Hummingbird

/// An OAuth error response (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1): a code from the
/// registry and a human-readable description.
struct OAuthError: Error, Sendable, Equatable {
    enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case unsupportedResponseType = "unsupported_response_type"
        case invalidScope = "invalid_scope"
        case invalidTarget = "invalid_target"
        case accessDenied = "access_denied"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case invalidRedirectURI = "invalid_redirect_uri"
        case invalidClientMetadata = "invalid_client_metadata"
        case unsupportedTokenType = "unsupported_token_type"
        case slowDown = "slow_down"
    }

    let code: Code
    let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The status of this error at the token, registration and revocation endpoints.
    var status: HTTPResponse.Status {
        switch code {
        case .invalidClient: .unauthorized
        case .temporarilyUnavailable: .serviceUnavailable
        case .serverError: .internalServerError
        case .slowDown: .tooManyRequests
        default: .badRequest
        }
    }

    /// The JSON error response, never cached.
    var response: Response {
        var response = JSONResponse.make(status, ["error": code.rawValue, "error_description": description])
        response.headers[.cacheControl] = "no-store"
        if code == .invalidClient { response.headers[.wwwAuthenticate] = "Basic realm=\"oauth\"" }
        return response
    }
}
