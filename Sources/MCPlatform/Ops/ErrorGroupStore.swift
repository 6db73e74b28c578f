import Foundation

/// Unexpected errors in the database: one `error_groups` row per fingerprint with its count
/// and first and last sighting, and the latest ``occurrencesKept`` occurrences of each group
/// (kept at most ``ExpiredDataSweeper/errorOccurrenceRetention``).
struct ErrorGroupStore: Sendable {
    let database: any Database

    static let occurrencesKept = 50

    /// A group as the operator's pages show it.
    struct Group: Sendable, Equatable {
        let id: Int64
        let fingerprint: String
        let place: String
        let errorType: String
        let message: String
        let count: Int64
        let firstSeen: Date
        let lastSeen: Date
        let lastRequestID: String?
        /// The server of the last occurrence, if it had one and still exists.
        let lastTenant: String?

        init(row: SQLRow) throws {
            id = try row.decode("id")
            fingerprint = try row.decode("fingerprint")
            place = try row.decode("place")
            errorType = try row.decode("error_type")
            message = try row.decode("message")
            count = try row.decode("count")
            firstSeen = try row.decode("first_seen")
            lastSeen = try row.decode("last_seen")
            lastRequestID = try row.decode("last_request_id")
            lastTenant = try row.decode("tenant")
        }
    }

    /// One occurrence of a group.
    struct Occurrence: Sendable, Equatable {
        let id: Int64
        let requestID: String?
        let message: String
        let context: [String: String]
        let createdAt: Date
    }

    /// Adds `occurrences` to their groups (created as needed), then trims each group's
    /// occurrences to the latest ``occurrencesKept``.
    func save(_ occurrences: [ErrorTracker.Occurrence]) async throws {
        var order: [String] = []
        var byDigest: [String: (fingerprint: ErrorFingerprint, occurrences: [ErrorTracker.Occurrence])] = [:]
        for occurrence in occurrences {
            let fingerprint = occurrence.fingerprint
            if byDigest[fingerprint.digest] == nil { order.append(fingerprint.digest) }
            byDigest[fingerprint.digest, default: (fingerprint, [])].occurrences.append(occurrence)
        }
        let groups = order.compactMap { byDigest[$0] }
        try await database.transaction { database in
            for (fingerprint, group) in groups {
                guard let first = group.first, let last = group.last else { continue }
                let digest = fingerprint.digest
                let row = try await database.one(
                    """
                    INSERT INTO error_groups (fingerprint, place, error_type, message, count, first_seen, last_seen, last_request_id, \
                    last_server_id)
                    VALUES (\(digest), \(first.place), \(first.errorType), \(fingerprint.message), \(Int64(group.count)), \(first.at), \
                    \(last.at), \(last.requestID), \(last.serverID))
                    ON CONFLICT (fingerprint) DO UPDATE SET count = error_groups.count + excluded.count, last_seen = excluded.last_seen,
                        last_request_id = excluded.last_request_id, last_server_id = excluded.last_server_id
                    RETURNING id
                    """)
                let groupID: Int64 = try row.decode("id")
                let rows = try group.suffix(Self.occurrencesKept).map { occurrence -> SQLStatement in
                    let context = String(decoding: try Self.encoder.encode(occurrence.context), as: UTF8.self)
                    return """
                        (\(groupID), \(occurrence.serverID), \(occurrence.requestID), \(context), \(occurrence.message), \
                        \(occurrence.at))
                        """
                }
                try await database.query(
                    "INSERT INTO error_occurrences (group_id, server_id, request_id, context, message, created_at) VALUES "
                        + SQLStatement.joined(rows))
                try await database.query(
                    """
                    DELETE FROM error_occurrences WHERE group_id = \(groupID) AND id NOT IN (
                        SELECT id FROM error_occurrences WHERE group_id = \(groupID) ORDER BY id DESC LIMIT \(Int64(Self.occurrencesKept)))
                    """)
            }
        }
    }

    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    private static let groupColumns = """
        g.id, g.fingerprint, g.place, g.error_type, g.message, g.count, g.first_seen, g.last_seen, g.last_request_id, \
        s.slug AS tenant
        """

    /// The groups seen most recently first.
    func groups(limit: Int = 200) async throws -> [Group] {
        try await database.query(
            """
            SELECT \(raw: Self.groupColumns) FROM error_groups g LEFT JOIN mcp_servers s ON s.id = g.last_server_id
            ORDER BY g.last_seen DESC, g.id DESC LIMIT \(Int64(limit))
            """
        ).map(Group.init)
    }

    func group(id: Int64) async throws -> Group? {
        try await database.first(
            """
            SELECT \(raw: Self.groupColumns) FROM error_groups g LEFT JOIN mcp_servers s ON s.id = g.last_server_id
            WHERE g.id = \(id)
            """
        ).map(Group.init)
    }

    /// The group's kept occurrences, newest first.
    func occurrences(groupID: Int64) async throws -> [Occurrence] {
        try await database.query(
            """
            SELECT id, request_id, context, message, created_at FROM error_occurrences WHERE group_id = \(groupID)
            ORDER BY id DESC LIMIT \(Int64(Self.occurrencesKept))
            """
        ).map { row in
            let context: String = try row.decode("context")
            return Occurrence(
                id: try row.decode("id"), requestID: try row.decode("request_id"), message: try row.decode("message"),
                context: (try? JSONDecoder().decode([String: String].self, from: Data(context.utf8))) ?? [:],
                createdAt: try row.decode("created_at"))
        }
    }

    /// Deletes occurrences recorded before `date`; the groups and their counts stay.
    func purge(before date: Date) async throws {
        try await database.query("DELETE FROM error_occurrences WHERE created_at < \(date)")
    }
}
