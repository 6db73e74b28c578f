import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore

/// How a request's answer travels with the notifications sent while it runs (``RequestNotifier``):
///
/// - a `tools/call` carrying `_meta.progressToken` from a client that accepts SSE is answered
///   with an SSE stream written as it happens: progress and log messages, then the result;
/// - any other request is answered at once: as SSE with its log messages first when there are
///   any and the client accepts SSE, else as before (JSON, or SSE when the client asked only
///   for it), the log messages dropped.
extension MCPEndpoint {
    /// Answers one message of an established session (not part of a batch).
    func answer(
        _ incoming: IncomingMessage, server: TenantServer, session: MCPSession, context: AppRequestContext, accept: AcceptHeader,
        responder: Responder
    ) async throws -> Response {
        if case .request(_, "tools/call", let params) = incoming, accept.allowsEventStream,
            let token = Self.progressToken(in: params)
        {
            return streamed(incoming, progressToken: token, server: server, session: session, context: context)
        }
        // Without a log level nothing can be sent while answering (progress is only streamed).
        let buffer = session.logLevel.map { _ in NotificationBuffer() }
        let reply = try await process(
            incoming, server: server, session: session, context: context,
            notifier: buffer?.notifier(logLevel: session.logLevel) ?? .silent)
        // Nil for notifications, client responses and cancelled requests: nothing follows.
        guard let reply else { return Response(status: .accepted) }
        return try respond(
            [reply], notifications: await buffer?.drain() ?? [], batch: false, session: session, accept: accept, responder: responder)
    }

    /// `replies`, preceded on an SSE stream by `notifications` when there are any and the client
    /// accepts SSE. On a modern revision an unknown method is answered 404 (streamable-http
    /// "Protocol Version Header").
    func respond(
        _ replies: [JSONRPCResponse], notifications: [OutgoingNotification], batch: Bool, session: MCPSession, accept: AcceptHeader,
        responder: Responder
    ) throws -> Response {
        let status: HTTPResponse.Status =
            if session.isStateless, case .error(let error) = replies.first?.outcome, error.code == JSONRPCError.methodNotFoundCode {
                .notFound
            } else { .ok }
        guard !notifications.isEmpty, accept.allowsEventStream else {
            return try responder.response(for: replies, batch: batch, sessionID: session.transmittedID, status: status)
        }
        return try Responder(eventStream: true).response(
            for: replies, batch: batch, sessionID: session.transmittedID, status: status, notifications: notifications)
    }

    /// A `notifications/cancelled`: stops the named request if it runs here in this session.
    func cancel(_ params: Value?, session: MCPSession, logger: Logger) {
        guard let requestID = InFlightRequests.requestID(cancelling: params) else { return }
        if inFlight.cancel(sessionID: session.id, requestID: requestID) {
            let reason = params?.objectValue?["reason"]?.stringValue.map { String($0.prefix(200)) } ?? "none given"
            logger.info("MCP request cancelled by the client", metadata: ["mcp.request": "\(requestID)", "reason": .string(reason)])
        }
    }

    /// The request's `_meta.progressToken`: a string or an integer.
    static func progressToken(in params: Value?) -> ProgressToken? {
        switch params?.objectValue?["_meta"]?.objectValue?["progressToken"] {
        case .string(let token)?: .string(String(token.prefix(200)))
        case .int(let token)?: .integer(token)
        default: nil
        }
    }

    /// Runs the request while writing its notifications as SSE events as they come, then its
    /// answer (none when it was cancelled). A client that disconnects does not cancel the
    /// request (the transport says so): it runs to the end, unwritten.
    private func streamed(
        _ incoming: IncomingMessage, progressToken: ProgressToken, server: TenantServer, session: MCPSession, context: AppRequestContext
    ) -> Response {
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        headers[.mcpSessionID] = session.transmittedID
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let (notifications, sink) = AsyncStream<OutgoingNotification>.makeStream()
                let notifier = RequestNotifier(logLevel: session.logLevel, progressToken: progressToken, sink: sink)
                async let reply = {
                    defer { sink.finish() }
                    return try await self.process(incoming, server: server, session: session, context: context, notifier: notifier)
                }()
                var connected = true
                for await notification in notifications where connected {
                    do { try await writer.write(Responder.event(notification)) } catch { connected = false }
                }
                if let reply = try await reply, connected { try await writer.write(Responder.event(reply)) }
                try await writer.finish(nil)
            })
    }
}

/// Collects the notifications of the requests answered in one HTTP response written at once.
struct NotificationBuffer {
    private let stream: AsyncStream<OutgoingNotification>
    private let sink: AsyncStream<OutgoingNotification>.Continuation

    init() {
        (stream, sink) = AsyncStream.makeStream()
    }

    /// A notifier for log messages at or above `logLevel` (progress is only reported when streamed).
    func notifier(logLevel: LogLevel?) -> RequestNotifier {
        RequestNotifier(logLevel: logLevel, progressToken: nil, sink: sink)
    }

    /// The notifications sent, in order; call once every request has been answered.
    func drain() async -> [OutgoingNotification] {
        sink.finish()
        var all: [OutgoingNotification] = []
        for await notification in stream { all.append(notification) }
        return all
    }
}
