import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4). With `--metrics-token`, only
/// `Authorization: Bearer <token>` may read it; without, only clients on the loopback interface.
struct MetricsRoutes: Sendable {
    let platform: Platform
    /// SHA-256 of the token, compared in constant time.
    private let tokenDigest: SHA256.Digest?

    init(platform: Platform) {
        self.platform = platform
        self.tokenDigest = platform.configuration.metricsToken.map { SHA256.hash(data: Data($0.utf8)) }
    }

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/metrics") { request, context in await scrape(request, context) }
    }

    private func scrape(_ request: Request, _ context: AppRequestContext) async -> Response {
        if let tokenDigest {
            let header = request.headers[.authorization] ?? ""
            guard header.hasPrefix("Bearer "), SHA256.hash(data: Data(header.dropFirst("Bearer ".count).utf8)) == tokenDigest else {
                var response = JSONResponse.error(.unauthorized, code: "unauthorized", message: "missing or wrong bearer token")
                response.headers[.wwwAuthenticate] = "Bearer realm=\"mcplatform-metrics\""
                return response
            }
        } else if context.forwardedClientAddress != nil || context.remoteAddress?.isLoopback != true {
            // A request a trusted proxy forwarded came from elsewhere, whatever the proxy's address.
            return JSONResponse.error(
                .forbidden, code: "forbidden",
                message: "/metrics answers only loopback clients unless --metrics-token (MCPLATFORM_METRICS_TOKEN) is set; "
                    + "then scrape it with that bearer token")
        }
        let body = await platform.metrics.exposition(of: platform)
        return Response(
            status: .ok, headers: [.contentType: Self.contentType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension SocketAddress {
    /// 127.0.0.0/8, ::1, or an IPv4-mapped loopback address.
    var isLoopback: Bool {
        switch self {
        case .v4(let address):
            return UInt32(bigEndian: address.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) { return bytes[15] == 1 }
            return bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
        case .unixDomainSocket:
            return false
        }
    }
}
