import Foundation

/// Per-day counts by query group, page and tool (`analytics_day_keys`): what the lists of the
/// analytics pages (top queries, content gaps, pages, feature adoption) read for rolled-up
/// days; days after the last rollup are counted from raw events the same way. End users are
/// counted once per day (an end user who asks on three days counts three times).
struct AnalyticsDayKeys: Sendable {
    let database: any SQLExecutor

    enum Kind: String, Sendable {
        /// Searches by normalized query (``QueryText``); the label is the latest wording.
        case query
        /// Documentation pages: reads, and how often search results showed them.
        case page
        /// Tool calls by tool.
        case tool
    }

    /// The counts of one key over one or more days.
    struct Entry: Sendable, Equatable {
        let key: String
        var label: String?
        var hits: Int64 = 0
        var users: Int64 = 0
        var zeroResults: Int64 = 0
        var resolved: Int64 = 0
        var unresolved: Int64 = 0
        var shown: Int64 = 0
        var lastSeen: Date?
        var exampleSession: Int64?

        /// Adds another day's counts; the label and example come from the later one.
        mutating func add(_ other: Entry) {
            if let seen = other.lastSeen, lastSeen.map({ seen >= $0 }) ?? true {
                lastSeen = seen
                label = other.label ?? label
                exampleSession = other.exampleSession ?? exampleSession
            }
            hits += other.hits
            users += other.users
            zeroResults += other.zeroResults
            resolved += other.resolved
            unresolved += other.unresolved
            shown += other.shown
        }
    }

    /// How lists are ordered.
    enum Order: Sendable {
        /// By hits, then shown.
        case hits
        /// By zero-result and unresolved searches; only keys that have any.
        case failures

        func sorted(_ entries: [Entry]) -> [Entry] {
            switch self {
            case .hits:
                entries.sorted { ($0.hits, $0.shown, $1.key) > ($1.hits, $1.shown, $0.key) }
            case .failures:
                entries.filter { $0.zeroResults + $0.unresolved > 0 }
                    .sorted {
                        ($0.zeroResults + $0.unresolved, $0.lastSeen ?? .distantPast) > (
                            $1.zeroResults + $1.unresolved, $1.lastSeen ?? .distantPast
                        )
                    }
            }
        }
    }

    /// The top `limit` keys of `kind` over `days`: rollups for the days they cover, raw events after.
    func top(serverID: Int64, kind: Kind, days: Range<Int64>, order: Order, limit: Int) async throws -> [Entry] {
        let live = try await AnalyticsDays(database: database).firstLiveDay(serverID: serverID, days: days)
        var entries: [String: Entry] = [:]
        for entry in try await stored(serverID: serverID, kind: kind, days: days.lowerBound..<live, order: order, limit: limit + 500)
            + raw(serverID: serverID, kind: kind, days: live..<days.upperBound)
        {
            entries[entry.key, default: Entry(key: entry.key)].add(entry)
        }
        return Array(order.sorted(Array(entries.values)).prefix(limit))
    }

    // MARK: Raw events

    /// Entries of `kind` computed from raw events, one per key and day.
    func raw(serverID: Int64, kind: Kind, days: Range<Int64>) async throws -> [Entry] {
        guard !days.isEmpty else { return [] }
        let range: SQLStatement = """
            server_id = \(serverID) AND created_at >= \(AnalyticsDays.date(of: days.lowerBound)) \
            AND created_at < \(AnalyticsDays.date(of: days.upperBound))
            """
        switch kind {
        case .query:
            let rows = try await database.query(
                """
                SELECT query_key AS key, count(*) AS hits, count(DISTINCT participant) AS users,
                    CAST(sum(CASE WHEN result_count = 0 THEN 1 ELSE 0 END) AS BIGINT) AS zero_results,
                    CAST(sum(CASE WHEN resolution = 'resolved' THEN 1 ELSE 0 END) AS BIGINT) AS resolved,
                    CAST(sum(CASE WHEN resolution = 'unresolved' THEN 1 ELSE 0 END) AS BIGINT) AS unresolved,
                    0 AS shown, max(created_at) AS last_seen, max(id) AS last_id, max(analytics_session_id) AS example
                FROM mcp_events WHERE \(range) AND tool = 'search_docs' AND query_key IS NOT NULL
                GROUP BY created_at / 86400000, query_key
                """)
            let wording = try await summaries(ofEvents: rows.map { try $0.decode("last_id", as: Int64.self) })
            return try rows.map { row in
                var entry = try Self.entry(row)
                entry.label = wording[try row.decode("last_id")]
                return entry
            }
        case .page:
            var entries = try await database.query(
                """
                SELECT pages AS key, count(*) AS hits, count(DISTINCT participant) AS users, max(created_at) AS last_seen,
                    \(raw: Self.noFailures)
                FROM mcp_events WHERE \(range) AND (tool = 'read_page' OR method = 'resources/read') AND outcome = 'ok' AND pages IS NOT NULL
                GROUP BY created_at / 86400000, pages
                """
            ).map(Self.entry)
            var shown: [String: Int64] = [:]
            for row in try await database.query(
                "SELECT pages FROM mcp_events WHERE \(range) AND tool = 'search_docs' AND pages IS NOT NULL")
            {
                for url in AnalyticsProcessor.pages(try row.decode("pages")) { shown[url, default: 0] += 1 }
            }
            for (url, count) in shown { entries.append(Entry(key: url, shown: count)) }
            return entries
        case .tool:
            return try await database.query(
                """
                SELECT tool AS key, count(*) AS hits, count(DISTINCT participant) AS users, max(created_at) AS last_seen,
                    \(raw: Self.noFailures)
                FROM mcp_events WHERE \(range) AND tool IS NOT NULL GROUP BY created_at / 86400000, tool
                """
            ).map(Self.entry)
        }
    }

    /// The counts every query of this type selects (constants where a kind has none).
    private static let noFailures = "0 AS zero_results, 0 AS resolved, 0 AS unresolved, 0 AS shown, CAST(NULL AS BIGINT) AS example"

    private static func entry(_ row: SQLRow) throws -> Entry {
        func count(_ column: String) throws -> Int64 { try row.decode(column, as: Int64?.self) ?? 0 }
        return Entry(
            key: try row.decode("key"), label: nil, hits: try count("hits"), users: try count("users"),
            zeroResults: try count("zero_results"), resolved: try count("resolved"), unresolved: try count("unresolved"),
            shown: try count("shown"), lastSeen: try row.decode("last_seen"), exampleSession: try row.decode("example"))
    }

    /// The summaries (query wordings) of events by id.
    private func summaries(ofEvents ids: [Int64]) async throws -> [Int64: String] {
        var summaries: [Int64: String] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = SQLStatement.joined(ids[start..<min(start + 500, ids.count)].map { "\($0)" })
            for row in try await database.query("SELECT id, summary FROM mcp_events WHERE id IN (" + chunk + ")") {
                summaries[try row.decode("id")] = try row.decode("summary")
            }
        }
        return summaries
    }

    // MARK: Rollups

    /// The rolled-up entries of `kind` over `days`, summed per key: the first `limit` in `order`.
    func stored(serverID: Int64, kind: Kind, days: Range<Int64>, order: Order, limit: Int) async throws -> [Entry] {
        guard !days.isEmpty else { return [] }
        let ordering =
            switch order {
            case .hits: "HAVING sum(hits) > 0 OR sum(shown) > 0 ORDER BY sum(hits) DESC, sum(shown) DESC"
            case .failures: "HAVING sum(zero_results) + sum(unresolved) > 0 ORDER BY sum(zero_results) + sum(unresolved) DESC"
            }
        let scope: SQLStatement =
            "server_id = \(serverID) AND kind = \(kind.rawValue) AND day >= \(days.lowerBound) AND day < \(days.upperBound)"
        let rows = try await database.query(
            """
            SELECT key, CAST(sum(hits) AS BIGINT) AS hits, CAST(sum(users) AS BIGINT) AS users,
                CAST(sum(zero_results) AS BIGINT) AS zero_results, CAST(sum(resolved) AS BIGINT) AS resolved,
                CAST(sum(unresolved) AS BIGINT) AS unresolved, CAST(sum(shown) AS BIGINT) AS shown, max(last_seen) AS last_seen,
                max(example_session) AS example
            FROM analytics_day_keys WHERE \(scope) GROUP BY key \(raw: ordering) LIMIT \(Int64(limit))
            """)
        var entries = try rows.map(Self.entry)
        guard kind == .query, !entries.isEmpty else { return entries }
        // The latest wording of each key.
        var labels: [String: String] = [:]
        for start in stride(from: 0, to: entries.count, by: 500) {
            let keys = SQLStatement.joined(entries[start..<min(start + 500, entries.count)].map { "\($0.key)" })
            for row in try await database.query(
                "SELECT key, label FROM analytics_day_keys WHERE \(scope) AND key IN (" + keys + ") ORDER BY day")
            {
                labels[try row.decode("key")] = try row.decode("label")
            }
        }
        for index in entries.indices { entries[index].label = labels[entries[index].key] }
        return entries
    }

    /// Computes and stores (or replaces) one day's entries of every kind.
    func rollUp(serverID: Int64, day: Int64) async throws {
        try await database.query("DELETE FROM analytics_day_keys WHERE server_id = \(serverID) AND day = \(day)")
        for kind in [Kind.query, .page, .tool] {
            var entries: [String: Entry] = [:]
            for entry in try await raw(serverID: serverID, kind: kind, days: day..<(day + 1)) {
                entries[entry.key, default: Entry(key: entry.key)].add(entry)
            }
            let rows = entries.values.map { entry -> SQLStatement in
                """
                (\(serverID), \(day), \(kind.rawValue), \(entry.key), \(entry.label), \(entry.hits), \(entry.users), \(entry.zeroResults), \
                \(entry.resolved), \(entry.unresolved), \(entry.shown), \(entry.lastSeen), \(entry.exampleSession))
                """
            }
            for start in stride(from: 0, to: rows.count, by: 200) {
                try await database.query(
                    """
                    INSERT INTO analytics_day_keys (server_id, day, kind, key, label, hits, users, zero_results, resolved, unresolved, shown,
                        last_seen, example_session) VALUES
                    """ + SQLStatement.joined(rows[start..<min(start + 200, rows.count)]))
            }
        }
    }
}
