import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The synthetic uptime check (docs/operations.md#monitoring-and-alerts): every interval, each
/// MCP server whose check of the current minute no instance has claimed yet is sent an MCP
/// `initialize` over real HTTP, at most ``concurrentChecks`` at a time. Up: a 200 answer with a
/// JSON-RPC result (the session it opened is then deleted), or on servers that require sign-in a
/// 401 with `WWW-Authenticate`, within ``timeout``. The requests are marked synthetic
/// (``Platform/isSynthetic(_:)``), so they count in no customer's numbers.
///
/// It calls the platform itself (by default its own listener), so it does not go through
/// ``OutboundHTTP``, which refuses private and loopback addresses.
struct UptimeChecker: Service {
    let platform: Platform
    let interval: Duration
    /// Where the servers' endpoints are: `<baseURL>/mcp/<slug>`.
    let baseURL: String
    let logger: Logger
    var timeout: TimeAmount = .seconds(10)

    static let concurrentChecks = 8
    static let protocolVersion = "2025-11-25"
    static let clientName = "mcplatform-uptime"

    var store: UptimeStore { UptimeStore(database: platform.database) }

    func run() async throws {
        logger.info("uptime checks", metadata: ["uptime.base_url": .string(baseURL)])
        await repeatUntilShutdown(every: interval) {
            await cancelWhenGracefulShutdown { _ = await checkAll() }
        }
    }

    /// Checks the servers whose check of `now`'s minute this instance claims; returns how many.
    @discardableResult
    func checkAll(now: Date = Date()) async -> Int {
        let minute = UptimeStore.minute(of: now)
        var claimed: [TenantServer] = []
        do {
            for server in try await platform.tenancy.servers() where try await store.claim(serverID: server.id, minute: minute, now: now) {
                claimed.append(server)
            }
        } catch {
            if !Task.isCancelled { logger.warning("uptime checks failed", metadata: ["error": .string(String(describing: error))]) }
        }
        await withTaskGroup(of: Void.self) { group in
            var waiting = claimed.makeIterator()
            for _ in 0..<Self.concurrentChecks {
                guard let server = waiting.next() else { break }
                group.addTask { await checkAndRecord(server, minute: minute) }
            }
            for await _ in group {
                if let server = waiting.next() { group.addTask { await checkAndRecord(server, minute: minute) } }
            }
        }
        return claimed.count
    }

    private func checkAndRecord(_ server: TenantServer, minute: Int64) async {
        let result = await check(server)
        if !result.ok {
            logger.notice("uptime check failed", metadata: ["tenant": .string(server.slug), "error": .string(result.error ?? "")])
        }
        do {
            try await store.record(result, serverID: server.id, minute: minute)
        } catch {
            logger.warning("recording an uptime check failed", metadata: ["error": .string(String(describing: error))])
        }
    }

    /// Sends `initialize` to the server's endpoint and judges the answer.
    func check(_ server: TenantServer) async -> UptimeStore.Result {
        let url = "\(baseURL)/mcp/\(server.slug)"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers([("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")])
        request.body = .bytes(ByteBuffer(string: Self.initializeBody))
        let started = ContinuousClock.now
        func elapsed() -> Int64 { Int64((ContinuousClock.now - started) / .milliseconds(1)) }
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            let latency = elapsed()
            let status = Int(response.status.code)
            if status == 200, Self.hasResult(String(buffer: body)) {
                if let session = response.headers.first(name: "Mcp-Session-Id") { await endSession(session, url: url, server: server) }
                return .init(ok: true, latencyMilliseconds: latency, httpStatus: status, error: nil)
            }
            if status == 401, response.headers.contains(name: "WWW-Authenticate") {
                return .init(ok: true, latencyMilliseconds: latency, httpStatus: status, error: nil)
            }
            let reason = status == 200 ? "HTTP 200 without a JSON-RPC result" : "HTTP \(status)"
            return .init(ok: false, latencyMilliseconds: latency, httpStatus: status, error: reason)
        } catch let error as HTTPClientError where [.connectTimeout, .readTimeout, .deadlineExceeded].contains(error) {
            return .init(
                ok: false, latencyMilliseconds: elapsed(), httpStatus: nil,
                error: "no answer within \(timeout.nanoseconds / 1_000_000_000) s")
        } catch {
            return .init(ok: false, latencyMilliseconds: elapsed(), httpStatus: nil, error: String(String(describing: error).prefix(500)))
        }
    }

    /// Ends the session the check opened (`DELETE`), then removes its row: checks are not sessions.
    private func endSession(_ id: String, url: String, server: TenantServer) async {
        var request = HTTPClientRequest(url: url)
        request.method = .DELETE
        request.headers = headers([("Mcp-Session-Id", id), ("MCP-Protocol-Version", Self.protocolVersion)])
        _ = try? await Self.client.execute(request, timeout: timeout).body.collect(upTo: 1 << 16)
        try? await store.forgetSession(id: id, serverID: server.id)
    }

    private func headers(_ fields: [(String, String)]) -> HTTPHeaders {
        var headers = HTTPHeaders(fields)
        headers.add(name: "User-Agent", value: "\(Self.clientName)/\(Platform.version)")
        headers.add(name: "X-MCPlatform-Synthetic", value: platform.syntheticToken)
        return headers
    }

    static let initializeBody = #"""
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(protocolVersion)","capabilities":{},"clientInfo":{"name":"\#(clientName)","version":"\#(Platform.version)"}}}
        """#

    /// Whether `body` (JSON, or an event stream of JSON messages) holds a JSON-RPC result.
    static func hasResult(_ body: String) -> Bool {
        let candidates =
            [body]
            + body.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("data:") }.map { String($0.dropFirst(5)) }
        return candidates.contains { text in
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return false }
            return object["jsonrpc"] as? String == "2.0" && object["result"] is [String: Any]
        }
    }

    /// The checks' own client: no redirects, and a refused connection fails at once.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
