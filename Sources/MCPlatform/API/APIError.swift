import Foundation
import HTTPTypes
import Hummingbird

/// An error of the admin API, answered as `{"error": code, "message": …}` with its status.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(status, code: code, message: message)
    }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "invalid_request", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not_found", message: message) }
}

extension Request {
    /// The JSON body as `T`, with decoding problems reported as ``APIError/badRequest(_:)``.
    func decodeJSON<T: Decodable>(as type: T.Type, limit: Int) async throws -> T {
        let body: ByteBuffer
        do {
            body = try await self.body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "the body exceeds \(limit) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch DecodingError.keyNotFound(let key, _) {
            throw APIError.badRequest("missing field '\(key.stringValue)'")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw APIError.badRequest("wrong type for '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw APIError.badRequest("the body is not a valid JSON object")
        }
    }
}

/// JSON encoding of API responses.
enum APIResponse {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

extension TenancyStore {
    /// The server named by the route's `{slug}` parameter, when the API caller may access it;
    /// otherwise a 404 (another organization's servers are not revealed).
    func server(inPathOf context: AppRequestContext) async throws -> TenantServer {
        let slug = context.parameters.get("slug") ?? ""
        guard let server = try await server(slug: slug), context.apiCaller?.canAccess(organizationID: server.organizationID) == true else {
            throw APIError.notFound("no MCP server '\(slug.prefix(100))'")
        }
        return server
    }
}
