import Foundation
import Logging

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
public actor ToolCallLog {
    struct Entry: Sendable {
        let serverID: Int64
        let sessionID: String
        let endUserID: Int64?
        let record: ToolCallRecord
    }

    /// Most calls held between flushes.
    static let capacity = 10_000
    private var pending: [Entry] = []
    /// Calls dropped because the buffer was full.
    public private(set) var dropped = 0

    public init() {}

    /// Queues a call (never blocks, never fails).
    func record(_ entry: Entry) {
        guard pending.count < Self.capacity else {
            dropped += 1
            return
        }
        pending.append(entry)
    }

    /// Writes what is buffered. On failure the calls are put back (up to the capacity).
    public func flush(to database: any Database) async throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
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
            pending = Array((batch + pending).prefix(Self.capacity))
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
