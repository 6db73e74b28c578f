import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The limits of an HTTP/1 connection that the router never sees: a request head larger than the
/// decoder accepts (431), a URL too long (414), and a client too slow to send its body (408).
/// Each answer closes the connection.
///
/// Sits after Hummingbird's HTTP/1 codec. The wait for a request head is bounded by the server's
/// idle timeout (the same ``Limits/readTimeout``): a client that sends its headers byte by byte is
/// closed when it runs out. The body is bounded here: it must be complete within `readTimeout` of
/// its head, plus one second for every ``Limits/minimumBodyBytesPerSecond`` bytes received, so a
/// large upload on a slow link gets through and a trickle does not.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What the guard enforces (from ``AppConfiguration``).
    struct Limits: Sendable {
        var maximumURLBytes = 8192
        var readTimeout = TimeAmount.seconds(60)
        var minimumBodyBytesPerSecond = 8192
    }

    private let limits: Limits
    private let logger: Logger
    /// When the head of the request whose body is being read arrived, and how much body came since.
    private var body: (start: NIODeadline, bytes: Int)?
    private var check: Scheduled<Void>?
    /// Requests read whose response has not ended: a refusal answers only when it is the only one.
    private var requestsInFlight = 0
    private var refused = false

    init(limits: Limits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestsInFlight += 1
            if (head.path?.utf8.count ?? 0) > limits.maximumURLBytes {
                refuse(context: context, status: .uriTooLong)
                return
            }
            body = (context.eventLoop.now, 0)
            scheduleCheck(context: context)
        case .body(let buffer):
            body?.bytes += buffer.readableBytes
        case .end:
            body = nil
            check?.cancel()
            check = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestsInFlight -= 1 }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !refused else { return }  // what a refused client goes on sending
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        // The decoder counts the request line and the headers: too many, or too large.
        requestsInFlight += 1
        refuse(context: context, status: .requestHeaderFieldsTooLarge)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    private var bodyDeadline: NIODeadline? {
        body.map { $0.start + limits.readTimeout + .seconds(Int64($0.bytes / max(limits.minimumBodyBytesPerSecond, 1))) }
    }

    private func scheduleCheck(context: ChannelHandlerContext) {
        check?.cancel()
        guard let deadline = bodyDeadline else { return }
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            check = nil
            guard let deadline = bodyDeadline else { return }
            if deadline <= context.eventLoop.now {
                refuse(context: context, status: .requestTimeout)
            } else {
                scheduleCheck(context: context)
            }
        }
    }

    /// Answers `status` (when no earlier request is still being answered) and closes the connection.
    private func refuse(context: ChannelHandlerContext, status: HTTPResponse.Status) {
        refused = true
        body = nil
        check?.cancel()
        check = nil
        guard requestsInFlight == 1 else {
            context.close(promise: nil)
            return
        }
        // Like every answer, it carries a request id, logged with the reason.
        let requestID = RequestID().description
        logger.info("request refused", metadata: ["hb.request.id": .string(requestID), "http.status": "\(status.code)"])
        let head = HTTPResponse(
            status: status, headerFields: [.connection: "close", .contentLength: "0", .requestID: requestID])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [self] _ in
            linger(context: context)
        }
    }

    /// Closes the connection's output, then the connection after ``lingering``: a client still
    /// sending the rest of a refused request reads the answer instead of a reset (closing a
    /// socket with unread input resets it). What it sends meanwhile is dropped.
    private func linger(context: ChannelHandlerContext) {
        let closed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: closed)
        closed.futureResult.assumeIsolated().whenComplete { [self] result in
            guard case .success = result else {
                context.close(promise: nil)
                return
            }
            check = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingering) { context.close(promise: nil) }
        }
    }

    static let lingering = TimeAmount.seconds(2)
}
