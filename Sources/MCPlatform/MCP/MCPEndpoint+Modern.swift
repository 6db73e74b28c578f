import HTTPTypes
import Hummingbird
import Logging
import MCP

/// Modern revisions (2026-07-28, basic/transports/streamable-http): every POST stands alone.
/// No session is looked up, minted or echoed (an `Mcp-Session-Id` sent along is ignored); the
/// caller's identity comes from the request (``ModernRequest``) and, on servers that require
/// sign-in, from the access token already checked.
extension MCPEndpoint {
    /// Whether the request names a modern revision in `MCP-Protocol-Version`.
    static func isModern(_ request: Request) -> Bool {
        request.headers[.mcpProtocolVersion].map(ProtocolVersion.isModern) ?? false
    }

    /// GET and DELETE belong to legacy sessions: modern revisions have neither the GET stream
    /// nor sessions to end (streamable-http "Earlier Streamable HTTP Revisions").
    static func modernMethodNotAllowed(_ request: Request) -> Response {
        var response = errorResponse(
            .methodNotAllowed, .invalidRequest("\(request.method) is not part of protocol 2026-07-28, which has no sessions; use POST"))
        response.headers[.allow] = "POST"
        return response
    }

    func postModern(
        _ message: Value, request: Request, context: AppRequestContext, server: TenantServer, caller: Caller, accept: AcceptHeader,
        responder: Responder
    ) async throws -> Response {
        if case .array = message {
            return Self.errorResponse(.badRequest, .invalidRequest("JSON-RPC batches are not part of protocol 2026-07-28"))
        }
        let id: ID
        let method: String
        let params: Value?
        switch IncomingMessage.classify(message) {
        case .failure(let failure): return Self.errorResponse(.badRequest, failure.error, id: failure.id)
        case .success(.notification):
            // 2026-07-28 defines no client notifications over HTTP; accepted and ignored.
            return Response(status: .accepted)
        case .success(.response(let id)):
            return Self.errorResponse(.badRequest, .invalidRequest("clients send no JSON-RPC responses in protocol 2026-07-28"), id: id)
        case .success(.request(let requestID, let name, let requestParams)):
            (id, method, params) = (requestID, name, requestParams)
        }
        let modern: ModernRequest
        switch ModernRequest.validate(method: method, params: params, headers: request.headers) {
        case .failure(let error): return Self.errorResponse(.badRequest, error, id: id)
        case .success(let validated): modern = validated
        }
        let session = MCPSession.stateless(
            serverID: server.id, request: modern, endUserID: caller.endUserID, address: context.clientAddress,
            userAgent: request.headers[.userAgent])
        return try await answer(
            .request(id: id, method: method, params: params), server: server, session: session, context: context,
            accept: accept, responder: responder)
    }
}
