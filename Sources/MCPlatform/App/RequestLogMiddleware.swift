import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Logs one line per request (method, path, status, duration), returns the request id as
/// `X-Request-Id`, and turns any error that escaped a handler into a JSON 500 that names the
/// request id instead of leaking internals (a 503 with `Retry-After` when the database is
/// unavailable: unreachable, or its disk full). Credentials in paths (invitation and
/// password-reset links) are not logged (see ``loggablePath(of:context:)``).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch DatabaseError.unavailable(let detail) {
            // An outage rather than a bug: say so, and when to come back.
            context.logger.error("database unavailable", metadata: ["error": .string(detail)])
            response = JSONResponse.error(
                .serviceUnavailable, code: "database_unavailable",
                message: "The database is unavailable; try again shortly (request id \(context.id))")
            response.headers[.retryAfter] = "5"
        } catch {
            context.logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
            response = JSONResponse.error(
                .internalServerError, code: "internal_error", message: "Internal error (request id \(context.id))")
        }
        response.headers[.requestID] = context.id
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.path": .string(Self.loggablePath(of: request, context: context)),
                "http.status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", milliseconds)),
            ]
        )
        return response
    }

    /// The request's path with the value of a `{token}` route parameter (an invitation or a
    /// password-reset link: a credential) replaced by `{token}`.
    static func loggablePath(of request: Request, context: Context) -> String {
        let path = request.uri.path
        guard let token = context.parameters.get("token"), !token.isEmpty else { return path }
        return path.replacingOccurrences(of: token, with: "{token}")
    }
}

/// Small JSON bodies for the platform's own (non-JSON-RPC) endpoints.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        make(status, ["error": code, "message": message])
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}
