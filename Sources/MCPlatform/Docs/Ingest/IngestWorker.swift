import Foundation
import Logging
import ServiceLifecycle

/// Runs queued ingestion jobs on this instance, and resumes jobs whose runner died.
///
/// Every instance runs one; the claim in ``IngestJobStore/claimNext(now:)`` is atomic, so a job
/// runs on exactly one instance at a time. Jobs run one after another per instance, which bounds
/// the memory and CPU that ingestion takes from serving.
struct IngestWorker: Service {
    let jobs: IngestJobStore
    let runner: IngestRunner
    let pollInterval: Duration
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: pollInterval) {
            do {
                while !Task.isShuttingDownGracefully, let job = try await jobs.claimNext() {
                    logger.info("ingestion started", metadata: ["job": "\(job.id)", "tenant.server_id": "\(job.serverID)"])
                    try await runner.run(job)
                }
            } catch {
                logger.warning("ingestion worker error", metadata: ["error": .string(String(describing: error))])
            }
        }
    }
}
