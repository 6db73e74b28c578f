import Foundation
import Logging
import Synchronization

/// Records unexpected errors (a bug, an outage: never a user's mistake) with where they
/// happened and the request's context, grouped by ``ErrorFingerprint`` for the operator's
/// error page. Recording appends to an in-memory buffer (it never blocks on I/O nor fails); the
/// ``BufferFlusher`` writes the buffer to `error_groups` and `error_occurrences`. When the
/// buffer is full, new errors are dropped and counted.
public final class ErrorTracker: Sendable {
    /// One unexpected error as it happened.
    struct Occurrence: Sendable {
        /// `mcp tools/call search_docs`, `GET /orgs/{org}/tickets`.
        let place: String
        /// The error's Swift type, fully qualified.
        let errorType: String
        /// `String(describing:)` of the error, at most ``maximumMessageBytes``.
        let message: String
        let requestID: String?
        let serverID: Int64?
        /// Method, route, tool, tenant, end user, session: what is known.
        let context: [String: String]
        let at: Date

        var fingerprint: ErrorFingerprint { ErrorFingerprint(place: place, errorType: errorType, message: message) }
    }

    static let capacity = 1000
    static let maximumMessageBytes = 4096
    private let state = Mutex<(pending: [Occurrence], recorded: Int, dropped: Int)>(([], 0, 0))

    public init() {}

    /// Errors recorded since start, and those of them dropped because the buffer was full.
    var totals: (recorded: Int, dropped: Int) { state.withLock { ($0.recorded, $0.dropped) } }

    /// Queues `error`, which happened at `place` while serving `requestID`.
    func record(
        _ error: any Error, at place: String, requestID: String?, serverID: Int64? = nil, context: [String: String] = [:],
        at now: Date = Date()
    ) {
        let occurrence = Occurrence(
            place: place, errorType: String(reflecting: type(of: error)),
            message: String(describing: error).clipped(toBytes: Self.maximumMessageBytes), requestID: requestID, serverID: serverID,
            context: context, at: now)
        state.withLock { state in
            state.recorded += 1
            if state.pending.count < Self.capacity { state.pending.append(occurrence) } else { state.dropped += 1 }
        }
    }

    /// The request id that Hummingbird puts in every request's logger.
    static func requestID(of logger: Logger) -> String? {
        logger[metadataKey: "hb.request.id"]?.description
    }

    /// Writes what is buffered. On failure the errors are put back (up to the capacity).
    func flush(to database: any Database) async throws {
        let batch = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await ErrorGroupStore(database: database).save(batch)
        } catch {
            state.withLock { state in
                let kept = Array((batch + state.pending).prefix(Self.capacity))
                state.dropped += batch.count + state.pending.count - kept.count
                state.pending = kept
            }
            throw error
        }
    }
}
