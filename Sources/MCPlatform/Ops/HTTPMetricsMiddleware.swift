import Hummingbird

/// Counts every HTTP request by method, matched route and status class, and records its
/// duration by route. The route is the router's path pattern (`/mcp/{slug}`), so the number of
/// series stays bounded whatever clients request; requests no route matched share `unmatched`.
/// Added first, it sees the final status, the 500s that ``RequestLogMiddleware`` makes included.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: PlatformMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            metrics.httpRequest(
                method: request.method.rawValue, route: Self.route(of: context), status: status, duration: ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }

    /// The matched route pattern, or `unmatched`.
    static func route(of context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }
}
