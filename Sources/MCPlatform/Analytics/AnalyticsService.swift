import Logging
import ServiceLifecycle

/// Runs the ``AnalyticsProcessor`` at its interval until shutdown; days are rolled up and
/// expired data deleted every ten minutes (those rounds touch every server).
struct AnalyticsService: Service {
    let processor: AnalyticsProcessor
    let logger: Logger

    static let maintenanceInterval: Duration = .seconds(600)

    func run() async throws {
        var lastMaintenance: ContinuousClock.Instant?
        await repeatUntilShutdown(every: processor.settings.processingInterval) {
            let now = ContinuousClock.now
            let maintenance = lastMaintenance.map { now - $0 >= Self.maintenanceInterval } ?? true
            // Shutdown cancels the round (a database that stopped answering included); its
            // transactions roll back and the next start picks the work up again.
            let processed = await cancelWhenGracefulShutdown { await processOnce(maintenance: maintenance) }
            if processed == true, maintenance { lastMaintenance = now }
        }
    }

    /// One round; whether it ran (false: another instance holds the lease, or it failed).
    private func processOnce(maintenance: Bool) async -> Bool {
        do {
            return try await processor.processOnce(maintenance: maintenance)
        } catch {
            if !Task.isCancelled {
                logger.warning("analytics processing failed; retrying", metadata: ["error": .string(String(describing: error))])
            }
            return false
        }
    }
}
