import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import MCPlatform

/// Upstreams that accept a connection and never answer: every outbound call gives up within its
/// timeout with a reason a person can read (webhooks and SMTP have theirs in WebhookTests and
/// MailTests).
@Suite(.timeLimit(.minutes(1))) struct UpstreamTimeoutTests {
    /// A TCP server on 127.0.0.1 that accepts connections, reads what they send, and never writes.
    final class SilentServer: Sendable {
        let channel: any Channel
        var port: Int { channel.localAddress!.port! }

        init() async throws {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelOption(.autoRead, value: true)
                .bind(host: "127.0.0.1", port: 0).get()
        }

        func stop() async { try? await channel.close() }
    }

    static func withSilentServer(_ body: (SilentServer) async throws -> Void) async throws {
        let server = try await SilentServer()
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func elapsed(_ body: () async throws -> Void) async rethrows -> Duration {
        let start = ContinuousClock.now
        try await body()
        return ContinuousClock.now - start
    }

    @Test func theCrawlerGivesUpOnAPage() async throws {
        try await Self.withSilentServer { server in
            var fetcher = WebFetcher(maximumBytes: 1 << 20, allowPrivateNetworks: true)
            fetcher.timeout = .seconds(1)
            let took = await Self.elapsed {
                let response = await fetcher.fetch(URL(string: "http://127.0.0.1:\(server.port)/docs/")!)
                guard case .unreachable(let reason) = response else {
                    Issue.record("expected unreachable, got \(response)")
                    return
                }
                #expect(reason.contains("timed out"), "\(reason)")
            }
            #expect(took < .seconds(20))  // the timeout is 1 s; generous for a loaded machine
        }
    }

    @Test func gitIsStoppedAfterItsTimeout() async throws {
        try await Self.withSilentServer { server in
            let cache = FileManager.default.temporaryDirectory.appendingPathComponent("git-timeout-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: cache) }
            var source = GitSource(
                repository: "http://127.0.0.1:\(server.port)/docs.git", ref: nil, subfolder: nil, cacheDirectory: cache,
                maximumPageBytes: 1 << 20, allowPrivateNetworks: true)
            source.timeout = .seconds(1)
            let took = await Self.elapsed {
                do {
                    _ = try await source.checkout()
                    Issue.record("the checkout of a silent remote succeeded")
                } catch {
                    #expect("\(error)" == "git fetch did not finish within 1 s")
                }
            }
            #expect(took < .seconds(15))  // 1 s, then 2 s more before the kill, on a busy machine
        }
    }

    @Test func anEmbeddingRequestGivesUp() async throws {
        try await Self.withSilentServer { server in
            let client = EmbeddingClient(configuration: .init(baseURL: URL(string: "http://127.0.0.1:\(server.port)")!))
            let took = await Self.elapsed {
                do {
                    _ = try await client.embed(["a query"], as: .query, timeout: .seconds(1))
                    Issue.record("a silent endpoint embedded")
                } catch {
                    #expect("\(error)".hasSuffix("no answer within 1 s"), "\(error)")
                }
            }
            #expect(took < .seconds(20))  // the timeout is 1 s; generous for a loaded machine
        }
    }
}
