import Hummingbird

/// Records the errors that escape route handlers, which ``RequestLogMiddleware`` turns into
/// 500s, with the route and the request id, then lets them continue. Errors that are HTTP
/// responses (a 404, a refused form) are the application working as intended and pass untouched.
struct ErrorTrackingMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let errors: ErrorTracker

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error where !(error is any HTTPResponseError || error is CancellationError) {
            let route = HTTPMetricsMiddleware.route(of: context)
            errors.record(
                error, at: "\(request.method.rawValue) \(route)", requestID: context.id,
                context: [
                    "method": request.method.rawValue, "route": route,
                    "path": String(RequestLogMiddleware.loggablePath(of: request, context: context).prefix(300)),
                ])
            throw error
        }
    }
}
