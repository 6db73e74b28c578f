import Crypto
import Foundation
import MCP

/// A client's session with one MCP server: on legacy revisions created by `initialize` and
/// persisted, so that any instance sharing the database can continue it; on modern (stateless)
/// revisions made up for each request (``stateless(serverID:request:endUserID:address:userAgent:now:)``).
public struct MCPSession: Sendable, Equatable {
    /// Opaque, unguessable id sent to the client as `Mcp-Session-Id`.
    public let id: String
    public let serverID: Int64
    public let protocolVersion: String
    public let clientName: String?
    public let clientVersion: String?
    /// The signed-in end user on servers that require sign-in; nil for anonymous sessions.
    public let endUserID: Int64?
    public let initialized: Bool
    public let createdAt: Date
    public let lastSeenAt: Date
    /// The minimum level of log messages (`notifications/message`) the client asked for with
    /// `logging/setLevel`; nil: none are sent.
    public var logLevel: LogLevel?

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        protocolVersion = try row.decode("protocol_version")
        clientName = try row.decode("client_name")
        clientVersion = try row.decode("client_version")
        endUserID = try row.decode("end_user_id")
        initialized = try row.decode("initialized")
        createdAt = try row.decode("created_at")
        lastSeenAt = try row.decode("last_seen_at")
        logLevel = try row.decode("log_level", as: String?.self).flatMap(LogLevel.init(rawValue:))
    }

    /// A session that exists only for one call made outside MCP (the dashboard's search
    /// playground), never stored.
    static func transient(serverID: Int64, now: Date = Date()) -> MCPSession {
        MCPSession(
            id: "playground", serverID: serverID, protocolVersion: ProtocolVersion.latest, clientName: "dashboard", clientVersion: nil,
            endUserID: nil, now: now)
    }

    /// The session of one request on a modern (stateless) revision, never stored: modern
    /// revisions have no sessions, but tools, walkthrough progress, tickets and analytics know
    /// their caller through one. Its id is the same for every request of the same client, so
    /// that an anonymous client keeps its progress and its analytics participant: a hash of the
    /// server, the client's address, its `User-Agent` and the name in its `clientInfo`. (A
    /// signed-in end user is known exactly, by `endUserID`.)
    static func stateless(
        serverID: Int64, request: ModernRequest, endUserID: Int64?, address: String, userAgent: String?, now: Date = Date()
    ) -> MCPSession {
        let fingerprint = [String(serverID), address, userAgent ?? "", request.clientName ?? ""].joined(separator: "\n")
        let digest = SHA256.hash(data: Data(fingerprint.utf8)).hexEncoded.prefix(24)
        var session = MCPSession(
            id: "stateless-\(digest)", serverID: serverID, protocolVersion: request.protocolVersion, clientName: request.clientName,
            clientVersion: request.clientVersion, endUserID: endUserID, now: now)
        session.logLevel = request.logLevel
        return session
    }

    /// Whether this is the made-up session of a modern (stateless) request.
    var isStateless: Bool { ProtocolVersion.isModern(protocolVersion) }

    /// The id to send as `Mcp-Session-Id`: none for modern requests, which have no sessions.
    var transmittedID: String? { isStateless ? nil : id }

    private init(
        id: String, serverID: Int64, protocolVersion: String, clientName: String?, clientVersion: String?, endUserID: Int64?, now: Date
    ) {
        self.id = id
        self.serverID = serverID
        self.protocolVersion = protocolVersion
        self.clientName = clientName
        self.clientVersion = clientVersion
        self.endUserID = endUserID
        (initialized, createdAt, lastSeenAt) = (true, now, now)
    }

    /// 128 random bits, hex-encoded: visible ASCII as the transport requires.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

/// Storage of MCP sessions. Every query is scoped by the server the request was routed to, so a
/// session id presented to another tenant's endpoint is simply unknown there.
public struct MCPSessionStore: Sendable {
    let database: any Database
    /// Sessions idle for longer than this are treated as expired.
    let idleTimeout: TimeInterval

    /// How stale `last_seen_at` may get before a request refreshes it (saves a write per request).
    static let touchInterval: TimeInterval = 60

    public init(database: any Database, idleTimeout: TimeInterval) {
        self.database = database
        self.idleTimeout = idleTimeout
    }

    public func create(
        serverID: Int64, protocolVersion: String, clientName: String?, clientVersion: String?, clientCapabilities: String,
        endUserID: Int64? = nil
    ) async throws -> MCPSession {
        let now = Date()
        let row = try await database.one(
            """
            INSERT INTO mcp_sessions (id, server_id, protocol_version, client_name, client_version, client_capabilities, initialized, created_at, last_seen_at, end_user_id)
            VALUES (\(MCPSession.newID()), \(serverID), \(protocolVersion), \(clientName), \(clientVersion), \(clientCapabilities), \(false), \(now), \(now), \(endUserID))
            RETURNING \(raw: Self.columns)
            """
        )
        return try MCPSession(row: row)
    }

    /// The live session `id` of server `serverID`: nil when unknown, ended, or idle too long.
    public func find(id: String, serverID: Int64, now: Date = Date()) async throws -> MCPSession? {
        guard id.utf8.count <= 128 else { return nil }
        let cutoff = now.addingTimeInterval(-idleTimeout)
        guard
            let session = try await database.first(
                """
                SELECT \(raw: Self.columns) FROM mcp_sessions
                WHERE id = \(id) AND server_id = \(serverID) AND ended_at IS NULL AND last_seen_at > \(cutoff)
                """
            ).map(MCPSession.init)
        else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            try await database.query("UPDATE mcp_sessions SET last_seen_at = \(now) WHERE id = \(id) AND server_id = \(serverID)")
        }
        return session
    }

    /// Records `notifications/initialized`.
    public func markInitialized(id: String, serverID: Int64) async throws {
        try await database.query("UPDATE mcp_sessions SET initialized = \(true) WHERE id = \(id) AND server_id = \(serverID)")
    }

    /// Records the session's `logging/setLevel`.
    public func setLogLevel(_ level: LogLevel, id: String, serverID: Int64) async throws {
        try await database.query("UPDATE mcp_sessions SET log_level = \(level.rawValue) WHERE id = \(id) AND server_id = \(serverID)")
    }

    /// Ends a session (HTTP `DELETE`). Returns false when it was unknown or already ended.
    public func end(id: String, serverID: Int64) async throws -> Bool {
        try await !database.query(
            "UPDATE mcp_sessions SET ended_at = \(Date()) WHERE id = \(id) AND server_id = \(serverID) AND ended_at IS NULL RETURNING id"
        ).isEmpty
    }

    /// Deletes sessions that ended or went idle before `cutoff`, across all servers (maintenance).
    @discardableResult
    public func purge(before cutoff: Date) async throws -> Int {
        try await database.query(
            "DELETE FROM mcp_sessions WHERE last_seen_at < \(cutoff) OR ended_at < \(cutoff) RETURNING id"
        ).count
    }

    private static let columns =
        "id, server_id, protocol_version, client_name, client_version, end_user_id, initialized, created_at, last_seen_at, log_level"
}
