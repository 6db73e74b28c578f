import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Lets requests to the admin API through only with `Authorization: Bearer <admin token>`.
/// Without a configured token the API is disabled and says so.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// SHA-256 of the token, compared in constant time.
    private let tokenDigest: SHA256.Digest?

    init(token: String?) {
        tokenDigest = token.map { SHA256.hash(data: Data($0.utf8)) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tokenDigest else {
            throw APIError(status: .unauthorized, code: "disabled", message: "the admin API is disabled: set MCPLATFORM_ADMIN_TOKEN")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            SHA256.hash(data: Data(header.dropFirst("Bearer ".count).utf8)) == tokenDigest
        else {
            var response = JSONResponse.error(.unauthorized, code: "unauthorized", message: "missing or wrong bearer token")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"mcplatform-admin\""
            return response
        }
        return try await next(request, context)
    }
}
