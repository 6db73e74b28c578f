import Foundation
import Logging
import ServiceLifecycle

/// Deletes MCP sessions that ended or expired, so the session table does not grow without bound.
/// Safe to run on every instance: the delete is idempotent.
struct SessionSweeper: Service {
    let sessions: MCPSessionStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                let purged = try await sessions.purge(before: Date().addingTimeInterval(-sessions.idleTimeout))
                if purged > 0 { logger.info("purged expired MCP sessions", metadata: ["count": "\(purged)"]) }
            } catch {
                logger.warning("session purge failed", metadata: ["error": .string(String(describing: error))])
            }
        }
    }
}
