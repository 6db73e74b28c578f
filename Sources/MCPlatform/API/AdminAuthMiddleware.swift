import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Admits requests to the admin API with `Authorization: Bearer <token>`: the operator's admin
/// token (every organization), or an organization's API key (that organization only). The
/// caller is put in the request context; routes check it against what they touch.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// SHA-256 of the operator token, compared in constant time.
    private let tokenDigest: SHA256.Digest?
    private let keys: APIKeyStore

    init(token: String?, keys: APIKeyStore) {
        tokenDigest = token.map { SHA256.hash(data: Data($0.utf8)) }
        self.keys = keys
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return Self.unauthorized() }
        let token = String(header.dropFirst("Bearer ".count))
        var context = context
        if let tokenDigest, SHA256.hash(data: Data(token.utf8)) == tokenDigest {
            context.apiCaller = .operator
        } else if let organizationID = try await keys.organizationID(key: token) {
            context.apiCaller = .organization(id: organizationID)
        } else {
            return Self.unauthorized()
        }
        return try await next(request, context)
    }

    private static func unauthorized() -> Response {
        var response = JSONResponse.error(
            .unauthorized, code: "unauthorized",
            message: "missing or wrong bearer token: use an organization API key or the operator's admin token")
        response.headers[.wwwAuthenticate] = "Bearer realm=\"mcplatform-admin\""
        return response
    }
}

extension AppRequestContext {
    /// Refuses (403) callers other than the operator.
    func requireOperator() throws {
        guard apiCaller == .operator else {
            throw APIError(status: .forbidden, code: "forbidden", message: "only the platform operator's token may do this")
        }
    }
}
