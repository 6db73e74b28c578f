import Logging
import ServiceLifecycle

/// Runs the ``AnalyticsProcessor`` at its interval until shutdown.
struct AnalyticsService: Service {
    let processor: AnalyticsProcessor
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: processor.settings.processingInterval) {
            // Shutdown cancels the round (a database that stopped answering included); its
            // transactions roll back and the next start picks the work up again.
            await cancelWhenGracefulShutdown {
                do {
                    try await processor.processOnce()
                } catch  where !Task.isCancelled {
                    logger.warning("analytics processing failed; retrying", metadata: ["error": .string(String(describing: error))])
                } catch {}
            }
        }
    }
}
