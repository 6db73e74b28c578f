import Foundation
import Synchronization

/// One MCP tool call as the session timeline shows it: which tool, with what (the search
/// query, the page, the walkthrough), and whether it failed.
public struct ToolCallRecord: Sendable, Equatable, Codable {
    public let tool: String
    public let summary: String?
    public let isError: Bool
    public let latencyMilliseconds: Int
    public let at: Date

    enum CodingKeys: String, CodingKey {
        case tool, summary, isError = "is_error", latencyMilliseconds = "latency_ms", at
    }
}

/// Records every tool call of MCP sessions, so that a ticket shows what its user searched and
/// read before raising it. Calls are buffered in memory and written in batches by a service,
/// never on the request's path; when the buffer is full, new calls are dropped and counted.
public final class ToolCallLog: Sendable {
    struct Entry: Sendable {
        let serverID: Int64
        let sessionID: String
        let endUserID: Int64?
        let record: ToolCallRecord
    }

    /// Most calls held between flushes.
    static let capacity = 10_000
    private let state = Mutex<(pending: [Entry], dropped: Int)>(([], 0))

    public init() {}

    /// Calls dropped because the buffer was full.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Queues a call (never blocks on I/O, never fails).
    func record(_ entry: Entry) {
        state.withLock { state in
            if state.pending.count < Self.capacity { state.pending.append(entry) } else { state.dropped += 1 }
        }
    }

    /// Writes what is buffered. On failure the calls are put back (up to the capacity).
    ///
    /// Flushes run one after another: a flush returns only once every call recorded before it
    /// started is written (or put back), even if the periodic flush had already taken them,
    /// so that ``recent(serverID:sessionID:limit:database:)`` sees the session's latest calls.
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
            for chunk in stride(from: 0, to: batch.count, by: 200).map({ batch[$0..<min($0 + 200, batch.count)] }) {
                let rows = chunk.map { entry -> SQLStatement in
                    let record = entry.record
                    return """
                        (\(entry.serverID), \(entry.sessionID), \(entry.endUserID), \(record.tool), \(record.summary), \(record.isError), \
                        \(Int64(record.latencyMilliseconds)), \(record.at))
                        """
                }
                let statement: SQLStatement =
                    "INSERT INTO tool_calls (server_id, session_id, end_user_id, tool, summary, is_error, latency_ms, created_at) VALUES "
                    + SQLStatement.joined(rows)
                try await database.query(statement)
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

    /// The session's latest calls, oldest first (after flushing this instance's buffer).
    func recent(serverID: Int64, sessionID: String, limit: Int = 30, database: any Database) async throws -> [ToolCallRecord] {
        try? await flush(to: database)
        return try await database.query(
            """
            SELECT tool, summary, is_error, latency_ms, created_at FROM tool_calls
            WHERE server_id = \(serverID) AND session_id = \(sessionID) ORDER BY id DESC LIMIT \(Int64(limit))
            """
        ).map { row in
            ToolCallRecord(
                tool: try row.decode("tool"), summary: try row.decode("summary"), isError: try row.decode("is_error"),
                latencyMilliseconds: Int(try row.decode("latency_ms", as: Int64.self)), at: try row.decode("created_at"))
        }.reversed()
    }
}
