import Foundation
import Synchronization

/// Records every request MCP servers answer (``MCPEvent``) for analytics and for the "before
/// the ticket" timeline of support tickets. Events are buffered in memory and written in batches
/// by a service, never on the request's path; when the buffer is full, new events are dropped
/// and counted.
public final class MCPEventLog: Sendable {
    /// Most events held between flushes.
    static let capacity = 10_000
    private let state = Mutex<(pending: [MCPEvent], dropped: Int)>(([], 0))

    public init() {}

    /// Events dropped because the buffer was full.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Queues an event (never blocks on I/O, never fails).
    func record(_ event: MCPEvent) {
        state.withLock { state in
            if state.pending.count < Self.capacity { state.pending.append(event) } else { state.dropped += 1 }
        }
    }

    /// Writes what is buffered. On failure the events are put back (up to the capacity).
    ///
    /// Flushes run one after another: a flush returns only once every event recorded before it
    /// started is written (or put back), even if the periodic flush had already taken them,
    /// so that ``recentToolCalls(serverID:sessionID:limit:database:)`` sees the session's latest calls.
    public func flush(to database: any Database) async throws {
        let write = flushes.withLock { tail -> Task<(any Error)?, Never> in
            let previous = tail
            let task = Task { () -> (any Error)? in
                _ = await previous?.value
                do {
                    try await self.write(to: database)
                    return nil
                } catch {
                    return error
                }
            }
            tail = task
            return task
        }
        if let error = await write.value { throw error }
    }

    /// The last flush started (the next one waits for it).
    private let flushes = Mutex<Task<(any Error)?, Never>?>(nil)

    private func write(to database: any Database) async throws {
        let batch = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        guard !batch.isEmpty else { return }
        do {
            for start in stride(from: 0, to: batch.count, by: 200) {
                let rows = batch[start..<min(start + 200, batch.count)].map { event -> SQLStatement in
                    let pages = event.pages.isEmpty ? nil : event.pages.joined(separator: "\n")
                    return """
                        (\(event.serverID), \(event.sessionID), \(event.participant), \(event.endUserID), \(event.method), \(event.tool), \
                        \(event.summary), \(event.queryKey), \(event.resultCount), \(pages), \(event.outcome.rawValue), \(event.errorCode), \
                        \(event.latencyMicroseconds), \(event.at), \(event.clientName), \(event.clientVersion))
                        """
                }
                try await database.query(
                    """
                    INSERT INTO mcp_events (server_id, session_id, participant, end_user_id, method, tool, summary, query_key, result_count, \
                    pages, outcome, error_code, latency_us, created_at, client_name, client_version) VALUES
                    """ + SQLStatement.joined(rows))
            }
        } catch {
            state.withLock { state in
                let kept = Array((batch + state.pending).prefix(Self.capacity))
                state.dropped += batch.count + state.pending.count - kept.count
                state.pending = kept
            }
            throw error
        }
    }

    /// The session's latest tool calls, oldest first (after flushing this instance's buffer).
    func recentToolCalls(serverID: Int64, sessionID: String, limit: Int = 30, database: any Database) async throws -> [ToolCallRecord] {
        try? await flush(to: database)
        return try await database.query(
            """
            SELECT tool, summary, outcome, latency_us, created_at FROM mcp_events
            WHERE server_id = \(serverID) AND session_id = \(sessionID) AND tool IS NOT NULL ORDER BY id DESC LIMIT \(Int64(limit))
            """
        ).map { row in
            ToolCallRecord(
                tool: try row.decode("tool"), summary: try row.decode("summary"),
                isError: try row.decode("outcome", as: MCPEvent.Outcome.self) != .ok,
                latencyMilliseconds: Int(try row.decode("latency_us", as: Int64.self) / 1000), at: try row.decode("created_at"))
        }.reversed()
    }
}
