import Foundation
import Logging
import ServiceLifecycle

/// Deletes what has expired, so tables do not grow without bound: ended or idle MCP sessions,
/// abandoned sign-ins, used and expired codes and refresh tokens, old revoked grants,
/// finished rate-limit windows, full request-limit buckets, webhook deliveries older than ``webhookDeliveryRetention``, error
/// occurrences older than ``errorOccurrenceRetention`` and uptime checks older than
/// ``UptimeStore/retention``.
/// Safe to run on every instance: each delete is idempotent.
struct ExpiredDataSweeper: Service {
    let platform: Platform
    let interval: Duration
    let logger: Logger

    static let webhookDeliveryRetention: TimeInterval = 30 * 86400
    static let errorOccurrenceRetention: TimeInterval = 30 * 86400

    func run() async throws {
        await repeatUntilShutdown(every: interval) { await sweep() }
    }

    func sweep(now: Date = Date()) async {
        do {
            let sessions = try await platform.sessions.purge(before: now.addingTimeInterval(-platform.sessions.idleTimeout))
            if sessions > 0 { logger.info("purged expired MCP sessions", metadata: ["count": "\(sessions)"]) }
            try await platform.auth.pending.purge(before: now.addingTimeInterval(-3600))
            try await platform.auth.grants.purge(before: now)
            try await platform.auth.rateLimiter.purge(before: now.addingTimeInterval(-3600))
            try await platform.rateLimiter.purge(before: now.addingTimeInterval(-RequestRateLimiter.refillTime))
            try await WebhookQueue(database: platform.database).purge(before: now.addingTimeInterval(-Self.webhookDeliveryRetention))
            try await ErrorGroupStore(database: platform.database).purge(before: now.addingTimeInterval(-Self.errorOccurrenceRetention))
            try await UptimeStore(database: platform.database).purge(before: now.addingTimeInterval(-UptimeStore.retention))
        } catch {
            logger.warning("purging expired data failed", metadata: ["error": .string(String(describing: error))])
        }
    }
}
