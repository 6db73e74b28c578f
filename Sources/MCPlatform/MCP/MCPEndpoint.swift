import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore

/// The Streamable HTTP transport of every tenant's MCP server, for both eras of revisions
/// (``ProtocolVersion``): legacy ones (2025-03-26 to 2025-11-25) in sessions, modern ones
/// (2026-07-28) statelessly (MCPEndpoint+Modern.swift).
///
/// It owns what the specification puts on the wire: `Origin` validation, content negotiation,
/// body limits, JSON-RPC framing and error mapping, and legacy sessions (`Mcp-Session-Id`), which
/// are persisted so that any instance can continue a session another one started.
struct MCPEndpoint: Sendable {
    let platform: Platform
    let handler: MCPMethodHandler
    /// The requests running on this instance, for `notifications/cancelled`.
    let inFlight = InFlightRequests()

    init(platform: Platform) {
        self.platform = platform
        self.handler = MCPMethodHandler(platform: platform)
    }

    /// Adds `/mcp` (tenant from the `Host` header) and `/mcp/{slug}` (tenant from the path).
    func addRoutes(to router: Router<AppRequestContext>) {
        for path in ["/mcp", "/mcp/{slug}"] as [RouterPath] {
            router.post(path) { request, context in try await respond(request, context, self.post) }
            router.get(path) { request, context in try await respond(request, context, self.get) }
            router.delete(path) { request, context in try await respond(request, context, self.delete) }
        }
    }

    private typealias Method = @Sendable (Request, AppRequestContext, TenantServer, Caller) async throws -> Response

    /// Who is calling: the signed-in end user on servers that require sign-in, else anonymous.
    struct Caller: Sendable, Equatable {
        let endUserID: Int64?
        /// The platform's own uptime check: it neither uses up customers' limits nor counts in
        /// their numbers (statistics, analytics).
        var synthetic = false
    }

    /// Resolves the tenant, checks the origin and, on servers that require sign-in, the access
    /// token, then runs `method`.
    private func respond(_ request: Request, _ context: AppRequestContext, _ method: Method) async throws -> Response {
        let baseDomain = platform.configuration.baseDomain
        let route = TenantRoute(request: request, context: context, baseDomain: baseDomain)
        guard let route, let server = try await platform.tenancy.cachedServer(slug: route.slug) else {
            let detail =
                route.map { "no MCP server named '\($0.slug)'" }
                ?? "no MCP server named in the host or path; use /mcp/<slug> or <slug>.\(baseDomain)"
            return Self.errorResponse(.notFound, .init(code: -32001, message: "Not Found: \(detail)"))
        }
        var context = context
        context.logger[metadataKey: "tenant"] = .string(server.slug)
        if let origin = request.headers[.origin], !TenantRouting.isAllowed(origin: origin, server: server, baseDomain: baseDomain) {
            return Self.errorResponse(.forbidden, .invalidRequest("origin '\(origin.prefix(200))' is not allowed for this server"))
        }
        let synthetic = platform.isSynthetic(request)
        var caller = Caller(endUserID: nil, synthetic: synthetic)
        if server.authMode == .oauth {
            let authority = TenantAuthority(slug: server.slug, form: route.form, configuration: platform.configuration)
            switch try await BearerAuthenticator(auth: platform.auth).authenticate(request, server: server, authority: authority) {
            case .rejected(let response): return response
            case .authenticated(let endUserID):
                caller = Caller(endUserID: endUserID, synthetic: synthetic)
                context.logger[metadataKey: "end_user"] = "\(endUserID)"
            }
        }
        if !synthetic, let refusal = try await rateLimit(request, context, server: server, caller: caller) { return refusal }
        let started = ContinuousClock.now
        let response = try await method(request, context, server, caller)
        if !synthetic {
            platform.requestStatistics.record(
                serverID: server.id, milliseconds: Double((ContinuousClock.now - started) / .microseconds(1)) / 1000,
                failed: Self.countsAsFailure(response.status))
            platform.metrics.mcpRequest(
                tenant: server.slug, method: request.method.rawValue, failed: Self.countsAsFailure(response.status),
                duration: ContinuousClock.now - started)
        }
        return response
    }

    /// 429 with `Retry-After` when the server's or the client's per-minute limit (Settings) is
    /// used up. The client is the signed-in end user, else the legacy session, else the address.
    /// The client's bucket is taken from first, so a client over its own limit does not use up
    /// the server's. Each configured limit costs one database round trip; none, nothing.
    private func rateLimit(_ request: Request, _ context: AppRequestContext, server: TenantServer, caller: Caller) async throws -> Response?
    {
        var checks: [(key: String, limit: Int, who: String)] = []
        if let limit = server.settings.clientRequestsPerMinute {
            let session = Self.isModern(request) ? nil : request.headers[.mcpSessionID]
            let client = caller.endUserID.map { "u:\($0)" } ?? session.map { "m:\($0.prefix(128))" } ?? "a:\(context.clientAddress)"
            checks.append(("c:\(server.id):\(client)", limit, "one client"))
        }
        if let limit = server.settings.serverRequestsPerMinute { checks.append(("s:\(server.id)", limit, "this server")) }
        for check in checks {
            if let retryAfter = try await platform.rateLimiter.take(check.key, perMinute: check.limit) {
                var response = Self.errorResponse(
                    .tooManyRequests,
                    .init(
                        code: -32000, message: "Rate limited: \(check.limit) requests per minute for \(check.who); retry in \(retryAfter) s"
                    ))
                response.headers[.retryAfter] = String(retryAfter)
                return response
            }
        }
        return nil
    }

    /// Failures for the error rate: server errors, and refusals of well-formed traffic. A 401
    /// (sign-in needed), 404 (expired session: the client starts a new one) or 405 (no GET
    /// stream) is the protocol working as intended.
    static func countsAsFailure(_ status: HTTPResponse.Status) -> Bool {
        status.code >= 500 || (status.code >= 400 && ![401, 404, 405].contains(status.code))
    }

    // MARK: POST

    private func post(_ request: Request, _ context: AppRequestContext, _ server: TenantServer, _ caller: Caller) async throws -> Response {
        guard let contentType = request.headers[.contentType], MediaType(from: contentType)?.isType(.applicationJson) == true else {
            return Self.errorResponse(.unsupportedMediaType, .invalidRequest("Content-Type must be application/json"))
        }
        let accept = AcceptHeader(request.headers[values: .accept])
        guard accept.allowsJSON || accept.allowsEventStream else {
            return Self.errorResponse(.notAcceptable, .invalidRequest("Accept must allow application/json or text/event-stream"))
        }
        let limit = platform.configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return Self.errorResponse(.contentTooLarge, .invalidRequest("body exceeds \(limit) bytes"))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Self.errorResponse(.contentTooLarge, .invalidRequest("body exceeds \(limit) bytes"))
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) that outgrows the limit.
            return Self.errorResponse(.contentTooLarge, .invalidRequest("body exceeds \(limit) bytes"))
        }
        let message: Value
        do {
            message = try JSONValueParser.parse(body.readableBytesView)
        } catch {
            return Self.errorResponse(.badRequest, .parseError("the body is not valid JSON: \(error)"))
        }
        let responder = Responder(eventStream: accept.prefersEventStream)
        let versionHeader = request.headers[.mcpProtocolVersion]
        if let versionHeader {
            switch ProtocolVersion.era(of: versionHeader) {
            case nil:
                let id: ID? = if case .success(.request(let id, _, _)) = IncomingMessage.classify(message) { id } else { nil }
                return Self.errorResponse(.badRequest, .unsupportedProtocolVersion(versionHeader), id: id)
            case .modern:
                return try await postModern(
                    message, request: request, context: context, server: server, caller: caller, accept: accept, responder: responder)
            case .legacy:
                break
            }
        }

        let sessionID = request.headers[.mcpSessionID]
        if case .array(let batch) = message {
            return try await postBatch(
                batch, sessionID: sessionID, versionHeader: versionHeader, server: server, caller: caller, context: context,
                accept: accept, responder: responder)
        }
        let incoming: IncomingMessage
        switch IncomingMessage.classify(message) {
        case .success(let value): incoming = value
        case .failure(let failure): return Self.errorResponse(.badRequest, failure.error, id: failure.id)
        }
        if case .request(let id, "initialize", let params) = incoming {
            guard sessionID == nil else {
                return Self.errorResponse(
                    .badRequest, .invalidRequest("initialize starts a new session and must be sent without Mcp-Session-Id"), id: id)
            }
            return try await initialize(id: id, params: params, server: server, caller: caller, responder: responder)
        }
        let session: MCPSession
        switch try await resolveSession(sessionID, versionHeader: versionHeader, server: server, caller: caller) {
        case .success(let found): session = found
        case .failure(let rejection): return rejection.response
        }
        return try await answer(incoming, server: server, session: session, context: context, accept: accept, responder: responder)
    }

    /// A JSON-RPC batch: accepted only in sessions on 2025-03-26, the one revision that has them.
    private func postBatch(
        _ batch: [Value], sessionID: String?, versionHeader: String?, server: TenantServer, caller: Caller, context: AppRequestContext,
        accept: AcceptHeader, responder: Responder
    ) async throws -> Response {
        guard !batch.isEmpty else { return Self.errorResponse(.badRequest, .invalidRequest("empty batch")) }
        guard batch.count <= 100 else { return Self.errorResponse(.badRequest, .invalidRequest("a batch may hold at most 100 messages")) }
        let session: MCPSession
        switch try await resolveSession(sessionID, versionHeader: versionHeader, server: server, caller: caller) {
        case .success(let found): session = found
        case .failure(let rejection):
            if sessionID == nil {
                return Self.errorResponse(
                    .badRequest,
                    .invalidRequest("batches are only accepted in a session on protocol 2025-03-26; initialize must be sent alone"))
            }
            return rejection.response
        }
        guard ProtocolVersion.allowsBatches(session.protocolVersion) else {
            return Self.errorResponse(.badRequest, .invalidRequest("JSON-RPC batches are not part of protocol \(session.protocolVersion)"))
        }
        var replies: [JSONRPCResponse] = []
        let notifications = NotificationBuffer()
        for element in batch {
            switch IncomingMessage.classify(element) {
            case .failure(let failure):
                replies.append(JSONRPCResponse(id: failure.id, outcome: .error(failure.error)))
            case .success(.request(let id, "initialize", _)):
                replies.append(JSONRPCResponse(id: id, outcome: .error(.invalidRequest("initialize must not be part of a batch"))))
            case .success(let incoming):
                let notifier = notifications.notifier(logLevel: session.logLevel)
                if let reply = try await process(incoming, server: server, session: session, context: context, notifier: notifier) {
                    replies.append(reply)
                }
            }
        }
        guard !replies.isEmpty else { return Response(status: .accepted) }
        return try respond(
            replies, notifications: await notifications.drain(), batch: true, session: session, accept: accept, responder: responder)
    }

    private func initialize(id: ID, params: Value?, server: TenantServer, caller: Caller, responder: Responder) async throws -> Response {
        do {
            let (session, result) = try await handler.initialize(
                params: params, server: server, endUserID: caller.endUserID, recordEvent: !caller.synthetic)
            return try responder.response(for: [JSONRPCResponse(id: id, outcome: .result(result))], batch: false, sessionID: session.id)
        } catch let error as JSONRPCError {
            return Self.errorResponse(.badRequest, error, id: id)
        }
    }

    /// Runs one message of an established session; nil for notifications, client responses and
    /// requests the client cancelled meanwhile.
    func process(
        _ incoming: IncomingMessage, server: TenantServer, session: MCPSession, context: AppRequestContext, notifier: RequestNotifier
    ) async throws -> JSONRPCResponse? {
        switch incoming {
        case .request(let id, let method, let params):
            var logger = context.logger
            logger[metadataKey: "mcp.method"] = .string(method)
            let work: @Sendable () async -> JSONRPCResponse = { [handler, logger] in
                JSONRPCResponse(
                    id: id,
                    outcome: await handler.handle(
                        method: method, params: params, server: server, session: session, logger: logger, notifier: notifier))
            }
            // Modern requests cannot be cancelled (no client notifications): no task of their own.
            if session.isStateless { return await work() }
            return await inFlight.run(sessionID: session.id, requestID: id, work)
        case .notification(let method, let params):
            if method == "notifications/cancelled" { cancel(params, session: session, logger: context.logger) }
            try await handler.handleNotification(method: method, server: server, session: session)
            return nil
        case .response:
            return nil
        }
    }

    // MARK: GET and DELETE

    /// No server-initiated stream is offered (nothing is pushed to clients yet), which the
    /// transport allows by answering 405.
    private func get(_ request: Request, _ context: AppRequestContext, _ server: TenantServer, _ caller: Caller) async throws -> Response {
        if Self.isModern(request) { return Self.modernMethodNotAllowed(request) }
        var response = Self.errorResponse(
            .methodNotAllowed, .invalidRequest("this server does not offer a server-to-client SSE stream; use POST"))
        response.headers[.allow] = "POST, DELETE"
        return response
    }

    private func delete(_ request: Request, _ context: AppRequestContext, _ server: TenantServer, _ caller: Caller) async throws -> Response
    {
        if Self.isModern(request) { return Self.modernMethodNotAllowed(request) }
        guard let sessionID = request.headers[.mcpSessionID] else {
            return Self.errorResponse(.badRequest, .invalidRequest("Mcp-Session-Id header is required"))
        }
        guard case .success = try await resolveSession(sessionID, versionHeader: nil, server: server, caller: caller),
            try await platform.sessions.end(id: sessionID, serverID: server.id)
        else {
            return Self.errorResponse(.notFound, Self.sessionNotFound)
        }
        return Response(status: .noContent)
    }

    // MARK: Sessions

    private struct Rejection: Error {
        let response: Response
    }

    /// The session named by the request, checked against the server, the caller (a session
    /// belongs to the end user who opened it) and the version header.
    private func resolveSession(_ id: String?, versionHeader: String?, server: TenantServer, caller: Caller) async throws -> Result<
        MCPSession, Rejection
    > {
        guard let id else {
            return .failure(
                Rejection(
                    response: Self.errorResponse(.badRequest, .invalidRequest("Mcp-Session-Id header is required; send initialize first"))))
        }
        guard let session = try await platform.sessions.find(id: id, serverID: server.id), session.endUserID == caller.endUserID else {
            return .failure(Rejection(response: Self.errorResponse(.notFound, Self.sessionNotFound)))
        }
        if let versionHeader, versionHeader != session.protocolVersion {
            return .failure(
                Rejection(
                    response: Self.errorResponse(
                        .badRequest,
                        .invalidRequest("MCP-Protocol-Version \(versionHeader) does not match the session's \(session.protocolVersion)"))))
        }
        return .success(session)
    }

    static let sessionNotFound = JSONRPCError(
        code: -32001, message: "Session not found: it expired, ended, or belongs to another server; initialize a new session")

    // MARK: Responses

    /// A transport-level error: HTTP status plus a JSON-RPC error body.
    static func errorResponse(_ status: HTTPResponse.Status, _ error: JSONRPCError, id: ID? = nil) -> Response {
        let body = (try? Responder.encode(JSONRPCResponse(id: id, outcome: .error(error)))) ?? ByteBuffer()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// Writes replies as one JSON document or as a one-shot SSE stream.
    struct Responder {
        let eventStream: Bool

        /// `sessionID` is echoed in `Mcp-Session-Id` (legacy sessions; modern requests have none).
        /// `notifications` (sent while answering) precede the replies on an SSE stream; they are
        /// dropped from a JSON body.
        func response(
            for replies: [JSONRPCResponse], batch: Bool, sessionID: String?, status: HTTPResponse.Status = .ok,
            notifications: [OutgoingNotification] = []
        ) throws
            -> Response
        {
            var headers: HTTPFields = [:]
            headers[.mcpSessionID] = sessionID
            var buffer = ByteBuffer()
            if eventStream {
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                for notification in notifications {
                    var event = try Self.event(notification)
                    buffer.writeBuffer(&event)
                }
                for reply in replies {
                    var event = try Self.event(reply)
                    buffer.writeBuffer(&event)
                }
            } else {
                headers[.contentType] = "application/json"
                buffer = batch ? try Self.encode(replies) : try Self.encode(replies[0])
            }
            return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
        }

        /// One message as an SSE event.
        static func event(_ message: any Encodable) throws -> ByteBuffer {
            var buffer = ByteBuffer(string: "event: message\ndata: ")
            buffer.writeBytes(try JSONWriter.encoder.encode(message))
            buffer.writeString("\n\n")
            return buffer
        }

        /// One reply as an SSE event.
        static func event(_ reply: JSONRPCResponse) throws -> ByteBuffer {
            var buffer = ByteBuffer(string: "event: message\ndata: ")
            var json = try Self.encode(reply)
            buffer.writeBuffer(&json)
            buffer.writeString("\n\n")
            return buffer
        }

        /// A reply as JSON: written directly when its result allows (``JSONRPCResponse/isDirect``).
        static func encode(_ reply: JSONRPCResponse) throws -> ByteBuffer {
            guard reply.isDirect else { return ByteBuffer(bytes: try JSONWriter.encoder.encode(reply)) }
            var writer = JSONWriter()
            try reply.write(to: &writer)
            return writer.buffer
        }

        /// A batch's replies as one JSON array.
        static func encode(_ replies: [JSONRPCResponse]) throws -> ByteBuffer {
            var buffer = ByteBuffer(string: "[")
            for (index, reply) in replies.enumerated() {
                if index > 0 { buffer.writeString(",") }
                var json = try encode(reply)
                buffer.writeBuffer(&json)
            }
            buffer.writeString("]")
            return buffer
        }
    }
}

/// The parts of an `Accept` header the transport cares about.
struct AcceptHeader {
    let allowsJSON: Bool
    let allowsEventStream: Bool
    /// Only SSE was asked for (explicitly, not through a wildcard).
    let prefersEventStream: Bool

    init(_ values: [String]) {
        let types = values.flatMap { $0.split(separator: ",") }.compactMap { part in
            let start = part.drop { $0 == " " || $0 == "\t" }
            let end = start.lastIndex { $0 != " " && $0 != "\t" }.map(start.index(after:)) ?? start.startIndex
            return MediaType(from: String(start[..<end]))
        }
        guard !types.isEmpty else {
            (allowsJSON, allowsEventStream, prefersEventStream) = (true, false, false)
            return
        }
        let explicitJSON = types.contains { $0.isType(.applicationJson) }
        let explicitSSE = types.contains { $0.type == .text && $0.subType == "event-stream" }
        let wildcard = types.contains { $0.type == .any || ($0.type == .application && $0.subType == "*") }
        allowsJSON = explicitJSON || wildcard
        allowsEventStream = explicitSSE || types.contains { $0.type == .any }
        prefersEventStream = explicitSSE && !explicitJSON
    }
}

extension HTTPField.Name {
    static let mcpSessionID = Self("Mcp-Session-Id")!
    static let mcpProtocolVersion = Self("MCP-Protocol-Version")!
}
