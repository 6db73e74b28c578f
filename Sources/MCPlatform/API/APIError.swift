import Foundation
import HTTPTypes
import Hummingbird

/// An error of the admin API, answered as `{"error": code, "message": …}` with its status, and
/// `"fields": {field: problem}` when the input has problems by field.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var fields: [String: String]? = nil

    func response(from request: Request, context: some RequestContext) throws -> Response {
        guard let fields else { return JSONResponse.error(status, code: code, message: message) }
        return try APIResponse.json(Body(error: code, message: message, fields: fields), status: status)
    }

    private struct Body: Encodable {
        let error: String
        let message: String
        let fields: [String: String]
    }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "invalid_request", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not_found", message: message) }
    /// 422: the input is well-formed but has these problems, by field.
    static func invalid(fields: [String: String]) -> APIError {
        APIError(
            status: .unprocessableContent, code: "invalid",
            message: fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "), fields: fields)
    }
}

extension Request {
    /// The body, up to `limit` bytes; a larger one is answered 413.
    func bodyBytes(limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "the body exceeds \(limit) bytes")
        }
    }

    /// The JSON body as `T`, with decoding problems reported as ``APIError/badRequest(_:)``.
    func decodeJSON<T: Decodable>(as type: T.Type, limit: Int) async throws -> T {
        let body = try await bodyBytes(limit: limit)
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

/// An optional property that JSON shows as `null` when absent (synthesized `Encodable` leaves
/// nil properties out), for response fields documented as always present.
@propertyWrapper
struct NullWhenAbsent<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
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
