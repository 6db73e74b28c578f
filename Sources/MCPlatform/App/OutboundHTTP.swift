import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Requests the platform makes to other people's servers on a customer's behalf (identity
/// providers, client metadata documents): bounded in size and time, no redirects followed, and
/// no private or loopback addresses unless the operator allowed them (tests, on-premises IdPs).
struct OutboundHTTP: Sendable {
    let allowPrivateNetworks: Bool
    private let client: HTTPClient

    /// - Parameter caFile: a PEM bundle of extra certificate authorities to trust (an IdP behind a
    ///   private CA); the system's roots are always trusted.
    init(allowPrivateNetworks: Bool, caFile: String?) {
        self.allowPrivateNetworks = allowPrivateNetworks
        self.client = Self.sharedClient(caFile: caFile)
    }

    /// An HTTP request to send.
    struct Request: Sendable {
        var url: URL
        var method: HTTPMethod = .GET
        var headers: [(String, String)] = []
        var body: Data?
        var maximumBytes = 256 << 10
        /// Keep the first `maximumBytes` of a longer body instead of failing with ``Failure/tooLarge(_:)``.
        var truncatesBody = false
        var timeout: TimeAmount = .seconds(10)
    }

    /// A response read in full (at most `maximumBytes`).
    struct Response: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data

        /// The body decoded as JSON `T`, or nil when it is not.
        func json<T: Decodable>(as type: T.Type = T.self) -> T? {
            try? JSONDecoder().decode(T.self, from: body)
        }
    }

    /// Why a request was not answered; `description` is fit to show to the customer.
    enum Failure: Error, CustomStringConvertible {
        case refused(String)
        case unreachable(String)
        case tooLarge(Int)

        var description: String {
            switch self {
            case .refused(let reason): reason
            case .unreachable(let reason): reason
            case .tooLarge(let limit): "the response exceeds \(limit / 1024) KiB"
            }
        }
    }

    func send(_ request: Request) async throws(Failure) -> Response {
        if let refusal = Self.refusal(for: request.url, allowPrivateNetworks: allowPrivateNetworks) {
            throw .refused(refusal)
        }
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = request.method
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !outgoing.headers.contains(name: "User-Agent") {
            outgoing.headers.add(name: "User-Agent", value: "MCPlatform/\(Platform.version)")
        }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: request.timeout)
            let status = Int(response.status.code)
            if request.truncatesBody {
                var body = Data()
                for try await chunk in response.body {
                    body += chunk.readableBytesView.prefix(request.maximumBytes - body.count)
                    if body.count == request.maximumBytes { break }
                }
                return Response(status: status, headers: response.headers, body: body)
            }
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > request.maximumBytes {
                throw Failure.tooLarge(request.maximumBytes)
            }
            let body = try await response.body.collect(upTo: request.maximumBytes)
            return Response(status: status, headers: response.headers, body: Data(body.readableBytesView))
        } catch let failure as Failure {
            throw failure
        } catch is NIOTooManyBytesError {
            throw .tooLarge(request.maximumBytes)
        } catch let error as HTTPClientError where [.connectTimeout, .readTimeout, .deadlineExceeded].contains(error) {
            throw .unreachable("\(request.url.host ?? "the server") did not answer within \(request.timeout.nanoseconds / 1_000_000_000) s")
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            throw .unreachable("\(request.url.host ?? "the server") refused the connection")
        } catch let error as NIOSSLError {
            throw .unreachable("the TLS handshake with \(request.url.host ?? "the server") failed (\(error))")
        } catch {
            throw .unreachable("\(request.url.host ?? "the server") could not be reached (\(error))")
        }
    }

    /// Why `url` may not be requested, or nil when it may: only http(s), and only public
    /// addresses unless private networks are allowed.
    static func refusal(for url: URL, allowPrivateNetworks: Bool) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            return "not an http(s) URL"
        }
        if !allowPrivateNetworks, !NetworkAddress.isPublic(host: host) {
            return "\(host) is a private, loopback or unresolvable address"
        }
        return nil
    }

    /// One client per CA bundle for the life of the process (clients are expensive and meant to be shared).
    private static let clients = Mutex<[String: HTTPClient]>([:])

    private static func sharedClient(caFile: String?) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[caFile ?? ""] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
            // A refused connection fails the request at once (instead of retrying until the
            // connect timeout), so that a person waiting on a sign-in page learns it quickly.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[caFile ?? ""] = client
            return client
        }
    }
}
