import HTTPTypes
import Hummingbird

/// Sets the request's client address from `X-Forwarded-For` when the connection comes from a
/// trusted proxy (``TrustedProxies``), before anything reads it.
struct ForwardedClientMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !proxies.ranges.isEmpty, let peer = context.remoteAddress?.ipAddress else { return try await next(request, context) }
        var context = context
        let client = proxies.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
        if client != peer { context.forwardedClientAddress = client }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
