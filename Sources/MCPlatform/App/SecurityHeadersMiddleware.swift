import HTTPTypes
import Hummingbird

/// Headers that harden every response: `X-Content-Type-Options: nosniff` and a
/// `Referrer-Policy` everywhere, the pages' policy (``HTMLPages/securityHeaders``: CSP with
/// `frame-ancestors 'none'`, no framing, no caching) on any HTML a handler did not already
/// give it, and `Strict-Transport-Security` when the platform is served over TLS.
///
/// TLS is known from the public URL (`--public-url https://…`): TLS ends at the operator's
/// proxy, and `X-Forwarded-Proto` is not trusted because any client can send it.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let servedOverTLS: Bool

    /// One year; browsers then refuse plain HTTP to this host.
    static var strictTransportSecurity: String { "max-age=31536000" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        var added: HTTPFields = [.xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer"]
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            added.append(contentsOf: HTMLPages.securityHeaders)
        }
        if servedOverTLS { added[.strictTransportSecurity] = Self.strictTransportSecurity }
        for field in added where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }
}
