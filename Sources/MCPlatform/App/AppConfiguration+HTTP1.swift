import Hummingbird
import HummingbirdCore
import Logging

extension AppConfiguration {
    /// Requests may carry at most this many header fields; more get 431.
    static let maximumHeaderCount = 100

    /// The HTTP/1 server's limits: head size and header count (431), URL length (414), and
    /// slow clients. A connection idle (or still sending its request head) for ``readTimeout`` is
    /// closed, so idle or stalled clients don't pile up; a trickling body gets 408.
    func http1Configuration(logger: Logger) -> HTTP1Channel.Configuration {
        let limits = ConnectionGuard.Limits(maximumURLBytes: maxURLBytes, readTimeout: .seconds(Int64(readTimeout)))
        return .init(
            additionalChannelHandlers: [ConnectionGuard(limits: limits, logger: logger)],
            idleTimeout: .seconds(Int64(readTimeout)),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes, maxHeaderFieldCount: Self.maximumHeaderCount)
        )
    }
}
