import Hummingbird
import Logging
import NIOCore

/// The request context of every route: Hummingbird's core storage (whose logger carries the
/// request id as `hb.request.id`) and the peer's address.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (nil in router tests without sockets).
    public let remoteAddress: SocketAddress?
    /// Who called the admin API (set by its authentication middleware).
    public var apiCaller: APICaller?
    /// The client's address as a trusted proxy reported it (``ForwardedClientMiddleware``).
    var forwardedClientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text, for rate limits and logs: as a trusted proxy reported
    /// it, else the peer's; "unknown" without one.
    var clientAddress: String {
        forwardedClientAddress ?? remoteAddress?.ipAddress ?? "unknown"
    }
}
