import Logging
import ServiceLifecycle

/// Writes what a feature buffers in memory (request statistics, MCP events) to the database at
/// a fixed interval. One flusher writes every buffer in turn: with one service per buffer, the
/// last flush at shutdown hung on PostgreSQL (seen in the e2e tests). The last flush is the
/// ``DatabaseCloser``'s, just before it closes the database.
struct BufferFlusher: Service {
    /// What is flushed, for log messages ("request statistics and MCP events").
    let what: String
    let interval: Duration
    let logger: Logger
    let flush: @Sendable () async throws -> Void

    func run() async throws {
        await repeatUntilShutdown(every: interval) { await flushOnce() }
    }

    /// One flush, waited for at most five seconds, so that an unreachable database can neither
    /// stall the next flushes nor hold up shutdown. What could not be saved stays in memory for
    /// the next flush.
    func flushOnce() async {
        let (what, logger, flush) = (self.what, self.logger, self.flush)
        let finished = await waitAtMost(.seconds(5)) {
            do {
                try await flush()
            } catch {
                logger.warning("\(what) could not be saved; retrying", metadata: ["error": .string(String(describing: error))])
            }
        }
        if !finished { logger.warning("saving \(what) is taking over 5 s; the database may be unavailable") }
    }
}
