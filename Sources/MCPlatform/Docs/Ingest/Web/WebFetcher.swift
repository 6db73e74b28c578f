import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches pages for the crawler: bounded size and time, redirects followed by hand (so each
/// hop is checked against the crawl's scope and loops are caught), conditional requests, and
/// no requests to private or loopback addresses unless allowed.
struct WebFetcher: Sendable {
    static let userAgent = "MCPlatformBot/\(Platform.version) (+documentation ingestion)"
    /// One client for every crawl of the process; it lives as long as the process.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(20))
        )
    )

    let maximumBytes: Int
    let allowPrivateNetworks: Bool
    /// How long one request may take to be answered (the client also gives up on a response
    /// that stops arriving for 20 s).
    var timeout: TimeAmount = .seconds(30)
    static let maximumRedirects = 5

    /// The outcome of one fetch.
    enum Response {
        case page(finalURL: URL, contentType: String, body: Data, etag: String?, lastModified: String?)
        case notModified(finalURL: URL)
        /// An HTTP-level refusal of this page (status, size, type, redirects).
        case failed(String)
        /// The host could not be reached at all (connection refused, DNS, timeout).
        case unreachable(String)
    }

    /// GETs `url`, following at most five redirects for which `inScope` holds.
    func fetch(_ url: URL, known: KnownPage? = nil, inScope: (URL) -> Bool = { _ in true }) async -> Response {
        var current = url
        var visited: Set<String> = []
        for _ in 0...Self.maximumRedirects {
            guard visited.insert(current.absoluteString).inserted else { return .failed("redirect loop") }
            if let refusal = refusal(for: current) { return .failed(refusal) }
            var request = HTTPClientRequest(url: current.absoluteString)
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "Accept", value: "text/html, text/markdown, text/plain;q=0.9, */*;q=0.1")
            if current == url, let etag = known?.etag { request.headers.add(name: "If-None-Match", value: etag) }
            if current == url, let date = known?.lastModified { request.headers.add(name: "If-Modified-Since", value: date) }
            do {
                let response = try await Self.client.execute(request, timeout: timeout)
                switch response.status.code {
                case 200:
                    if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maximumBytes {
                        return .failed("larger than the \(maximumBytes / 1024) KiB page limit")
                    }
                    let body: ByteBuffer
                    do {
                        body = try await response.body.collect(upTo: maximumBytes)
                    } catch is NIOTooManyBytesError {
                        return .failed("larger than the \(maximumBytes / 1024) KiB page limit")
                    }
                    return .page(
                        finalURL: current, contentType: response.headers.first(name: "Content-Type") ?? "",
                        body: Data(body.readableBytesView), etag: response.headers.first(name: "ETag"),
                        lastModified: response.headers.first(name: "Last-Modified")
                    )
                case 304:
                    return .notModified(finalURL: current)
                case 301, 302, 303, 307, 308:
                    guard let location = response.headers.first(name: "Location"),
                        let next = URL(string: location, relativeTo: current)?.absoluteURL
                    else { return .failed("redirect without a Location") }
                    guard inScope(next) else { return .failed("redirects outside the crawled site, to \(next.absoluteString)") }
                    current = next
                default:
                    return .failed("HTTP \(response.status.code)")
                }
            } catch {
                return .unreachable(Self.describe(error))
            }
        }
        return .failed("more than \(Self.maximumRedirects) redirects")
    }

    /// Why `url` may not be fetched, or nil when it may.
    func refusal(for url: URL) -> String? {
        OutboundHTTP.refusal(for: url, allowPrivateNetworks: allowPrivateNetworks)
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded: return "timed out"
            default: return String(describing: error)
            }
        }
        return String(describing: error)
    }
}
